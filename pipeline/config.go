package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/palermo-project/palermo/configs"
	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/sources"
)

// Config is palermo's configuration file.
type Config struct {
	DataDir string                  `yaml:"data_dir"`
	Listen  string                  `yaml:"listen"`
	Privacy Privacy                 `yaml:"privacy"`
	Sources map[string]SourceConfig `yaml:"sources"`

	path string // where it was loaded from; "embedded" for the default
}

// Privacy holds the disclosure-control parameters: counts of people that
// palermo derives from records are withheld from 1 to MinCell-1 and
// rounded down to multiples of MinCell; ratios whose denominator is below
// UnstableBelow are flagged unstable.
type Privacy struct {
	MinCell       int
	UnstableBelow int
	// LowCoverageBelow flags as unstable (low_coverage) values whose
	// reporting agencies cover less than this share of the area's
	// population.
	LowCoverageBelow float64
	// AllowSmallCells must be set for a MinCell below SafeMinCell: a typo
	// must not publish small counts of victims.
	AllowSmallCells bool
}

// DefaultLowCoverageBelow is the default low-coverage threshold: a value
// resting on agencies that cover less than half of the population.
const DefaultLowCoverageBelow = 0.5

// SafeMinCell is the smallest min_cell accepted without
// privacy.allow_small_cells: true.
const SafeMinCell = 5

// UnmarshalYAML tells a min_cell left out (the default, 10) from one set to
// 0, which is refused.
func (p *Privacy) UnmarshalYAML(n *yaml.Node) error {
	var raw struct {
		MinCell          *int     `yaml:"min_cell"`
		UnstableBelow    *int     `yaml:"unstable_below"`
		LowCoverageBelow *float64 `yaml:"low_coverage_below"`
		AllowSmallCells  bool     `yaml:"allow_small_cells"`
	}
	dec := n.Decode
	if err := dec(&raw); err != nil {
		return err
	}
	p.MinCell, p.UnstableBelow, p.LowCoverageBelow, p.AllowSmallCells = 10, 20, DefaultLowCoverageBelow, raw.AllowSmallCells
	if raw.MinCell != nil {
		p.MinCell = *raw.MinCell
	}
	if raw.UnstableBelow != nil {
		p.UnstableBelow = *raw.UnstableBelow
	}
	if raw.LowCoverageBelow != nil {
		p.LowCoverageBelow = *raw.LowCoverageBelow
	}
	return nil
}

// SourceConfig configures one source's job.
type SourceConfig struct {
	Enabled  *bool    `yaml:"enabled"`
	Schedule string   `yaml:"schedule"`
	Location string   `yaml:"location"`
	Timeout  Duration `yaml:"timeout"`
	// AllowRedirectHosts lists hosts an HTTP location may redirect to,
	// besides its own host; redirects elsewhere are refused.
	AllowRedirectHosts []string `yaml:"allow_redirect_hosts"`
	// QuarantineMaxShare is the share of rows (0 to 1) that may fail
	// validation and be quarantined beside the snapshot; above it the run
	// fails. 0, the default, publishes nothing from a file with a bad row.
	QuarantineMaxShare float64 `yaml:"quarantine_max_share"`
	// MaxBytes bounds what one run may read of the source: the body of an
	// HTTP answer or a local file (default 512 MiB). Parsers bound what
	// they decompress and hold from it on their own.
	MaxBytes ByteSize `yaml:"max_bytes"`
	// MinShareOfPrevious is the share (0 to 1) of the snapshot in use that
	// a new one must keep, in rows of every table and in bytes read: a
	// publisher's file cut short is refused rather than published (default
	// 0.5; 0 turns the check off). palermo run --accept-shrink SOURCE
	// accepts one smaller snapshot.
	MinShareOfPrevious *float64 `yaml:"min_share_of_previous"`
	// Locations lists the files of a source made of many, one partition
	// each (see partitions.go); PartitionValues gives the values a
	// location template's {placeholders} take.
	Locations       []string            `yaml:"locations"`
	PartitionValues map[string][]string `yaml:"partitions"`
}

// DefaultMinShareOfPrevious is what a new snapshot must keep of the one in
// use unless the source configures otherwise.
const DefaultMinShareOfPrevious = 0.5

// MinShare is the source's min_share_of_previous, or the default.
func (s SourceConfig) MinShare() float64 {
	if s.MinShareOfPrevious == nil {
		return DefaultMinShareOfPrevious
	}
	return *s.MinShareOfPrevious
}

// ByteSize is a size in bytes written as 300MiB, 2GB or 1048576 in YAML.
type ByteSize int64

var byteUnits = []struct {
	suffix string
	n      int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*b = ByteSize(v)
	return nil
}

// ParseByteSize reads 300MiB, 2GB, 512KiB or a plain number of bytes.
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.n
			break
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v <= 0 || v > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a positive size such as 300MiB or 2GB", s)
	}
	return v * mult, nil
}

// OrDefault is the size, or the fetcher's default when none is set.
func (b ByteSize) OrDefault() int64 {
	if b <= 0 {
		return bounded.DefaultMaxBytes
	}
	return int64(b)
}

// IsEnabled reports whether the source runs; sources are enabled unless
// the file says otherwise.
func (s SourceConfig) IsEnabled() bool { return s.Enabled == nil || *s.Enabled }

// Duration is a time.Duration written as "10m" in YAML.
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v <= 0 {
		return fmt.Errorf("line %d: %q is not a positive duration such as 90s or 10m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// DefaultJobTimeout bounds a job run when the source sets no timeout.
const DefaultJobTimeout = 5 * time.Minute

// Path says where the configuration came from.
func (c *Config) Path() string { return c.path }

// cronParser accepts 5-field specs and @descriptors (@daily, @every 1h).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a schedule the way the scheduler will, refusing the
// TZ= and CRON_TZ= prefixes: palermo schedules in UTC, and robfig/cron
// v3.0.1 panics on a bare "TZ=".
func ParseSchedule(spec string) (cron.Schedule, error) {
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return nil, errors.New("time-zone prefixes are not accepted: schedules run in UTC")
	}
	if s == "" {
		return nil, errors.New("empty schedule")
	}
	if rest, ok := strings.CutPrefix(s, "@every "); ok {
		// robfig/cron turns anything under a second, 0s included, into
		// every second.
		if d, err := time.ParseDuration(strings.TrimSpace(rest)); err == nil && d < time.Second {
			return nil, fmt.Errorf("@every %s: the interval must be at least 1s", strings.TrimSpace(rest))
		}
	}
	sched, err := cronParser.Parse(s)
	if err != nil {
		return nil, err
	}
	// A valid spec may name a day that never comes (30 February): it would
	// never run, and the staleness alert would fire for ever.
	if sched.Next(time.Now().UTC()).IsZero() {
		return nil, errors.New("this schedule never fires (no such date in the next five years)")
	}
	return sched, nil
}

// LoadConfig reads a configuration file; an empty path loads the embedded
// default. Unknown keys, unknown sources and invalid schedules are errors
// that name the key.
func LoadConfig(path string) (*Config, error) {
	data, name := configs.DefaultPalermo, "embedded configs/palermo.yaml"
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		data, name = b, path
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cfg.path = name
	if path == "" {
		cfg.path = "embedded"
	}
	return cfg, nil
}

// ParseConfig decodes and validates configuration bytes.
func ParseConfig(data []byte) (*Config, error) {
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n  "))
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "data"
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:9741"
	}
	if cfg.Privacy == (Privacy{}) {
		cfg.Privacy = Privacy{MinCell: 10, UnstableBelow: 20, LowCoverageBelow: DefaultLowCoverageBelow} // no privacy section
	}
	if cfg.Privacy.MinCell < 1 {
		return nil, fmt.Errorf("privacy.min_cell: %d must be at least 1 (the default is 10)", cfg.Privacy.MinCell)
	}
	if cfg.Privacy.MinCell < SafeMinCell && !cfg.Privacy.AllowSmallCells {
		return nil, fmt.Errorf("privacy.min_cell: %d would publish counts of victims from %d up; below %d it needs privacy.allow_small_cells: true as well", cfg.Privacy.MinCell, cfg.Privacy.MinCell, SafeMinCell)
	}
	if c := cfg.Privacy.LowCoverageBelow; c < 0 || c > 1 {
		return nil, fmt.Errorf("privacy.low_coverage_below: %v must be a share between 0 and 1", c)
	}
	if cfg.Privacy.UnstableBelow < 0 {
		return nil, fmt.Errorf("privacy.unstable_below: %d must not be negative", cfg.Privacy.UnstableBelow)
	}
	if len(cfg.Sources) == 0 {
		return nil, errors.New("sources: no source configured")
	}
	for _, name := range cfg.SourceNames() {
		sc := cfg.Sources[name]
		spec, ok := sources.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("sources.%s: unknown source; known: %s", name, strings.Join(sources.Names(), ", "))
		}
		if sc.Schedule == "" {
			sc.Schedule = spec.DefaultSchedule
		}
		if _, err := ParseSchedule(sc.Schedule); err != nil {
			return nil, fmt.Errorf("sources.%s.schedule: %q: %w", name, sc.Schedule, err)
		}
		if sc.Location == "" && len(sc.Locations) == 0 {
			sc.Location = sources.LocationEmbedded
		}
		if err := sc.checkPartitions(name); err != nil {
			return nil, err
		}
		if sc.Location == sources.LocationEmbedded && spec.Embedded == nil {
			return nil, fmt.Errorf("sources.%s.location: this source ships no embedded snapshot; give a URL or a path", name)
		}
		if sc.QuarantineMaxShare < 0 || sc.QuarantineMaxShare >= 1 {
			return nil, fmt.Errorf("sources.%s.quarantine_max_share: %v must be at least 0 and below 1", name, sc.QuarantineMaxShare)
		}
		if v := sc.MinShareOfPrevious; v != nil && (*v < 0 || *v > 1) {
			return nil, fmt.Errorf("sources.%s.min_share_of_previous: %v must be between 0 and 1", name, *v)
		}
		if sc.Timeout == 0 {
			sc.Timeout = Duration(DefaultJobTimeout)
		}
		cfg.Sources[name] = sc
	}
	return &cfg, nil
}

// SourceNames returns the configured source names, sorted.
func (c *Config) SourceNames() []string {
	names := make([]string, 0, len(c.Sources))
	for n := range c.Sources {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// EnabledSources returns the enabled source names, sorted.
func (c *Config) EnabledSources() []string {
	var out []string
	for _, n := range c.SourceNames() {
		if c.Sources[n].IsEnabled() {
			out = append(out, n)
		}
	}
	return out
}

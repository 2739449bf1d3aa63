package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/palermo-project/palermo/sources"
)

// A source made of many files (the FBI ships one NIBRS bundle per state
// and year) has partitions: each file is fetched, validated and stored on
// its own, all or nothing per partition, so that a bad or missing file
// fails its partition only and leaves that partition's last good snapshot
// in place. Its location is a list of paths or URLs (locations), a glob of
// local files, or a URL or path template whose {placeholders} are expanded
// over the values the configuration declares (partitions).

// Partition is one file of a source made of many.
type Partition struct {
	Key      string // names the partition: state=MN,year=2018, or the file's base name
	Location string
}

// MaxPartitions bounds how many files one source may be made of, and so
// the partition label values of the job metrics.
const MaxPartitions = 2000

var placeholder = regexp.MustCompile(`\{([a-z][a-z0-9_]*)\}`)

// partitionKey keeps what a directory name and a metric label hold well.
var partitionKey = regexp.MustCompile(`[^A-Za-z0-9._=,-]+`)

// Partitioned reports whether the source is made of many files.
func (s SourceConfig) Partitioned() bool {
	return len(s.Locations) > 0 || placeholder.MatchString(s.Location) || isGlob(s.Location)
}

func isGlob(location string) bool {
	return sources.IsLocalPath(location) && strings.ContainsAny(location, "*?[")
}

// Partitions lists the files of a source made of many, in a stable order.
// A glob is expanded now, against the files present.
func (s SourceConfig) Partitions() ([]Partition, error) {
	var out []Partition
	switch {
	case len(s.Locations) > 0:
		for _, loc := range s.Locations {
			out = append(out, Partition{Key: baseKey(loc), Location: loc})
		}
	case placeholder.MatchString(s.Location):
		names := placeholderNames(s.Location)
		combos := [][]string{{}}
		for _, n := range names {
			var next [][]string
			for _, c := range combos {
				for _, v := range s.PartitionValues[n] {
					next = append(next, append(append([]string(nil), c...), v))
				}
			}
			combos = next
		}
		for _, c := range combos {
			loc, key := s.Location, make([]string, len(names))
			for i, n := range names {
				loc = strings.ReplaceAll(loc, "{"+n+"}", c[i])
				key[i] = n + "=" + c[i]
			}
			sort.Strings(key) // by placeholder name, whatever their order in the location
			out = append(out, Partition{Key: partitionKey.ReplaceAllString(strings.Join(key, ","), "_"), Location: loc})
		}
	case isGlob(s.Location):
		files, err := filepath.Glob(s.Location)
		if err != nil {
			return nil, fmt.Errorf("location %q: %w", s.Location, err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("location %q matches no file", s.Location)
		}
		sort.Strings(files)
		for _, f := range files {
			out = append(out, Partition{Key: baseKey(f), Location: f})
		}
	}
	if len(out) > MaxPartitions {
		return nil, fmt.Errorf("%d files, more than the %d a source may be made of", len(out), MaxPartitions)
	}
	seen := map[string]string{}
	for _, p := range out {
		if prev, dup := seen[p.Key]; dup {
			return nil, fmt.Errorf("%s and %s would be the same partition, %s", prev, p.Location, p.Key)
		}
		seen[p.Key] = p.Location
	}
	return out, nil
}

// baseKey names a partition after its file: the base name without its
// extension.
func baseKey(location string) string {
	base := location[strings.LastIndexAny(location, `/\`)+1:]
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base = base[:i]
	}
	base = strings.TrimSuffix(base, filepath.Ext(base))
	return partitionKey.ReplaceAllString(base, "_")
}

func placeholderNames(template string) []string {
	var names []string
	for _, m := range placeholder.FindAllStringSubmatch(template, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	return names
}

// checkPartitions refuses a template with a placeholder the configuration
// gives no values for, values for no placeholder, and a list beside a
// location.
func (s SourceConfig) checkPartitions(name string) error {
	if len(s.Locations) > 0 && s.Location != "" && s.Location != sources.LocationEmbedded {
		return fmt.Errorf("sources.%s: give location or locations, not both", name)
	}
	names := placeholderNames(s.Location)
	for _, n := range names {
		if len(s.PartitionValues[n]) == 0 {
			return fmt.Errorf("sources.%s.partitions.%s: the location's {%s} needs a list of values", name, n, n)
		}
	}
	for n := range s.PartitionValues {
		if !slices.Contains(names, n) {
			return fmt.Errorf("sources.%s.partitions.%s: the location has no {%s}", name, n, n)
		}
	}
	if s.Partitioned() {
		if _, err := s.Partitions(); err != nil && !isGlob(s.Location) {
			return fmt.Errorf("sources.%s: %w", name, err)
		}
	}
	return nil
}

// PartitionStore is the store's name for a partition's snapshots.
func PartitionStore(source, key string) string { return source + "@" + key }

// runPartitions runs each file of a source made of many as its own
// snapshot, all or nothing per file: a file that fails keeps its
// partition's last good snapshot and fails the run, after the others were
// stored. The manifest returned sums what the run stored.
func (r *Runner) runPartitions(ctx context.Context, spec *sources.Spec, sc SourceConfig) (*Manifest, bool, error) {
	parts, err := sc.Partitions()
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", spec.Name, err)
	}
	return r.runPartitionList(ctx, spec, sc, parts)
}

// ingestPartitions stores local files of a source made of many as the
// partitions they are: each must be one of the files the configuration
// lists or its glob matches.
func (r *Runner) ingestPartitions(ctx context.Context, spec *sources.Spec, sc SourceConfig, files []string) (*Manifest, bool, error) {
	parts, err := sc.Partitions()
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", spec.Name, err)
	}
	byPath := map[string]Partition{}
	var known []string
	for _, p := range parts {
		if abs, err := filepath.Abs(p.Location); err == nil && sources.IsLocalPath(p.Location) {
			byPath[abs] = p
			known = append(known, p.Location)
		}
	}
	var chosen []Partition
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		p, ok := byPath[abs]
		if !ok {
			return nil, false, fmt.Errorf("%s is made of many files, and %s is none of those its configuration names (%s): list it in sources.%s.locations or match its glob",
				spec.Name, f, strings.Join(known, ", "), spec.Name)
		}
		chosen = append(chosen, p)
	}
	return r.runPartitionList(ctx, spec, sc, chosen)
}

func (r *Runner) runPartitionList(ctx context.Context, spec *sources.Spec, sc SourceConfig, parts []Partition) (*Manifest, bool, error) {
	total := &Manifest{Rows: map[string]int64{}}
	var failed, why []string
	changed := false
	for _, p := range parts {
		if err := ctx.Err(); err != nil {
			return nil, changed, err
		}
		ps := *spec
		ps.Name = PartitionStore(spec.Name, p.Key)
		psc := sc
		psc.Location, psc.Locations, psc.PartitionValues = p.Location, nil, nil
		start := r.now().UTC()
		m, stored, err := r.runFile(ctx, &ps, psc)
		changed = changed || stored
		st := PartitionState{Location: sources.RedactLocation(p.Location), LastRunStart: start, LastRunSuccess: err == nil}
		if err != nil {
			st.LastError = err.Error()
			failed = append(failed, p.Key)
			why = append(why, "  "+p.Key+": "+strings.ReplaceAll(err.Error(), "\n", "\n    "))
			r.Log.Error("partition failed; its previous snapshot stays in use", "job", spec.Name, "partition", p.Key, "err", err)
		} else {
			st.LastSuccess, st.Generation, st.Rows = r.now().UTC(), m.Generation, m.Rows
			total.Generation = max(total.Generation, m.Generation)
			for t, n := range m.Rows {
				total.Rows[t] += n
			}
			total.Quarantined += m.Quarantined
		}
		if serr := r.State.Update(spec.Name, func(j *JobState) {
			if j.Partitions == nil {
				j.Partitions = map[string]PartitionState{}
			}
			if err != nil { // the snapshot in use is still the last good one
				prev := j.Partitions[p.Key]
				st.LastSuccess, st.Generation, st.Rows = prev.LastSuccess, prev.Generation, prev.Rows
			}
			j.Partitions[p.Key] = st
		}); serr != nil {
			r.Log.Error("cannot persist partition state", "job", spec.Name, "partition", p.Key, "err", serr)
		}
	}
	if len(failed) > 0 {
		return total, changed, fmt.Errorf("%s: %d of %d partitions failed (%s); their previous snapshots stay in use, the others were stored:\n%s",
			spec.Name, len(failed), len(parts), strings.Join(failed, ", "), strings.Join(why, "\n"))
	}
	return total, changed, nil
}

// StoredPartitions lists the keys of the partitions of source that have a
// snapshot in use, sorted.
func (s *Store) StoredPartitions(source string) []string {
	entries, err := os.ReadDir(filepath.Join(s.dir, "snapshots"))
	if err != nil {
		return nil
	}
	var keys []string
	for _, e := range entries {
		key, ok := strings.CutPrefix(e.Name(), source+"@")
		if !ok || !e.IsDir() {
			continue
		}
		if _, err := s.current(e.Name()); err == nil {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys
}

// OpenPartitions is Open for a source made of many files: one set whose
// parts are the partitions' snapshots in use, read in turn. Its generation
// is the newest part's; its provenance names the partitions, the earliest
// retrieval among them, their bytes in all, and a sha256 over the parts'
// (key and sha256 of each, one per line).
func (s *Store) OpenPartitions(source string) (*sources.TableSet, error) {
	keys := s.StoredPartitions(source)
	if len(keys) == 0 {
		return nil, ErrNoSnapshot
	}
	ts := &sources.TableSet{Source: source}
	h := sha256.New()
	for _, k := range keys {
		part, err := s.Open(PartitionStore(source, k))
		if err != nil {
			ts.Release()
			return nil, err
		}
		ts.Parts = append(ts.Parts, part)
		p := part.Provenance
		if ts.Provenance.Origin.Title == "" {
			ts.Provenance.Origin = p.Origin
		}
		if ts.Provenance.RetrievedAt.IsZero() || p.RetrievedAt.Before(ts.Provenance.RetrievedAt) {
			ts.Provenance.RetrievedAt = p.RetrievedAt
		}
		ts.Provenance.Bytes += p.Bytes
		ts.Generation = max(ts.Generation, part.Generation)
		fmt.Fprintf(h, "%s %s\n", k, p.SHA256)
	}
	ts.Provenance.Location = fmt.Sprintf("%d partitions: %s", len(keys), strings.Join(keys, " "))
	ts.Provenance.SHA256 = hex.EncodeToString(h.Sum(nil))
	return ts, nil
}

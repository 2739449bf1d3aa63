package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/report"
	"github.com/palermo-project/palermo/server"
	"github.com/palermo-project/palermo/sources"
)

type commonFlags struct {
	config, dataDir, logLevel, logFormat string
}

func (c *commonFlags) register(fs interface {
	StringVar(*string, string, string, string)
}, withConfig bool) {
	if withConfig {
		fs.StringVar(&c.config, "config", "", "configuration file (default: the embedded configs/palermo.yaml)")
	}
	fs.StringVar(&c.dataDir, "data-dir", "", "data directory for snapshots, state and exports (default: data_dir of the configuration)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
}

func (c *commonFlags) app(stderr io.Writer) (*app, error) {
	log, err := newLogger(stderr, c.logLevel, c.logFormat)
	if err != nil {
		return nil, err
	}
	return newApp(c.config, c.dataDir, log)
}

func cmdServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "[--config F] [--data-dir D] [--listen ADDR]", `
Runs the scheduler and the HTTP server until SIGINT or SIGTERM. At start it
runs every enabled job whose snapshot is missing, so /readyz turns 200 within
seconds on the embedded default. Endpoints: /metrics, /healthz, /readyz,
/exports/indicators.csv, /exports/datapackage.json and a landing page at /.`, stderr)
	var c commonFlags
	c.register(fs, true)
	listen := fs.String("listen", "", "address to listen on (default: listen of the configuration, 127.0.0.1:9741)")
	shutdownTimeout := fs.Duration("shutdown-timeout", 30*time.Second, "how long running jobs get to stop on shutdown")
	watch := fs.Duration("watch-interval", 2*time.Second, "how often to look for snapshots that another process (palermo run or ingest) stored; SIGHUP looks at once")
	webConfig := fs.String("web.config.file", "", "exporter-toolkit web configuration file enabling TLS and basic auth (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := server.ValidateWebConfig(*webConfig); err != nil {
		return fmt.Errorf("--web.config.file: %w", err)
	}
	a, err := c.app(stderr)
	if err != nil {
		return err
	}
	a.recomputeAfterStore()
	addr := a.cfg.Listen
	if *listen != "" {
		addr = *listen
	}
	if a.hasSnapshots() {
		if _, err := a.pub.Recompute(context.Background()); err != nil {
			a.log.Error("indicators from stored snapshots not computed", "err", err)
		}
	}
	sched, err := pipeline.NewScheduler(a.runner, a.log)
	if err != nil {
		return err
	}
	srv := server.New(a.runner, sched, a.pub, a.log)
	hs := srv.HTTPServer(addr)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	sched.Start()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go a.follow(ctx, *watch, hup)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln, hs, *webConfig) }()
	a.log.Info("palermo serving", "listen", ln.Addr().String(), "config", a.cfg.Path(), "data_dir", a.cfg.DataDir)
	select {
	case err := <-errc:
		sched.Stop(context.Background())
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down", "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(sctx, hs, sched); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "[--config F] [--data-dir D] [--job NAME]...", `
Runs the jobs once (all enabled ones by default), then recomputes the
indicators and writes the exports to DATA_DIR/exports. A failed job keeps its
previous snapshot. Exits 0 when every job succeeded, 1 when any failed.`, stderr)
	var c commonFlags
	c.register(fs, true)
	var jobs, shrink multiFlag
	fs.Var(&jobs, "job", "run only this job (repeatable)")
	fs.Var(&shrink, "accept-shrink", "accept a new snapshot of this source smaller than min_share_of_previous of the one in use (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := c.app(stderr)
	if err != nil {
		return err
	}
	a.runner.AcceptShrink = acceptShrink(shrink)
	if len(jobs) == 0 {
		jobs = a.cfg.EnabledSources()
	}
	for _, j := range jobs {
		if _, ok := a.cfg.Sources[j]; !ok {
			return fmt.Errorf("--job %s: not in the configuration; configured: %s", j, strings.Join(a.cfg.SourceNames(), ", "))
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	runErr := a.runner.RunAll(ctx, jobs, "manual")
	var recomputeErr error
	if a.hasSnapshots() {
		var snap *metrics.Snapshot
		snap, recomputeErr = a.pub.Recompute(ctx)
		if snap != nil {
			fmt.Fprintf(stdout, "%d indicator rows computed\n", len(snap.Rows))
		}
	}
	// Every job's error is printed, and the recompute's after them.
	if runErr != nil {
		for _, line := range strings.Split(runErr.Error(), "\n") {
			fmt.Fprintln(stderr, line)
		}
	}
	if recomputeErr != nil {
		fmt.Fprintln(stderr, recomputeErr)
	}
	if runErr != nil || recomputeErr != nil {
		return errFailed
	}
	fmt.Fprintf(stdout, "exports written to %s\n", filepath.Join(a.cfg.DataDir, "exports"))
	return nil
}

func cmdIngest(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ingest", "--source NAME [--data-dir D] FILE...", `
Validates local files for a source and stores them, together, as the source's
new snapshot (all or nothing), then recomputes the indicators. Bad input is
reported as FILE:LINE:COL: message and nothing is stored.`, stderr)
	var c commonFlags
	c.register(fs, true)
	source := fs.String("source", "", "source name (see palermo sources)")
	shrink := fs.Bool("accept-shrink", false, "accept files smaller than min_share_of_previous of the snapshot in use")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *source == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	a, err := c.app(stderr)
	if err != nil {
		return err
	}
	if *shrink {
		a.runner.AcceptShrink = acceptShrink([]string{*source})
	}
	spec, ok := sources.Lookup(*source)
	if !ok {
		return fmt.Errorf("--source %s: unknown; known: %s", *source, strings.Join(sources.Names(), ", "))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var fold *metrics.OperationsFold
	opts := pipeline.IngestOptions{Progress: func(done *atomic.Int64, total int64, rows *atomic.Int64) func() {
		return showProgress(stderr, done, total, rows)
	}}
	if len(spec.Tables) == 1 && spec.Tables[0] == sources.TableOperations {
		// The operations are folded into the indicators' sums as they are
		// stored, so that the recompute after the ingest need not read
		// them back.
		opts.Observer = func() func(arrow.RecordBatch) error {
			fold = metrics.NewOperationsFold(spec.Name, a.pub.Catalogue)
			return fold.Add
		}
	}
	m, err := a.runner.Ingest(ctx, spec.Name, fs.Args(), opts)
	if err != nil {
		var fe pipeline.FileErrors
		if errors.As(err, &fe) {
			fmt.Fprintln(stderr, fe.Error())
			return errFailed
		}
		return err
	}
	if fold != nil { // set by the observer, which only a streamed ingest calls
		fold.Generation = m.Generation
	}
	var counts []string
	for _, t := range spec.Tables {
		counts = append(counts, fmt.Sprintf("%s %d rows", t, m.Rows[t]))
	}
	fmt.Fprintf(stdout, "stored %s snapshot %s: %s\n", spec.Name, m.Generation, strings.Join(counts, ", "))
	if _, err := a.pub.RecomputeWith(ctx, fold); err != nil {
		return err
	}
	return nil
}

// printErrors prints positioned errors one per line, or the error itself.
func printErrors(w io.Writer, file string, err error) {
	fmt.Fprintln(w, pipeline.DescribeError(file, err))
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", "--source NAME FILE...", `
Checks files against a source's schema without storing anything. Prints
FILE:LINE:COL: message for each problem on stderr and exits 1; prints
FILE: ok with the row counts and exits 0 when every file is clean.`, stderr)
	source := fs.String("source", "", "source name (see palermo sources)")
	maxBytes := fs.Int64("max-bytes", bounded.DefaultMaxBytes, "refuse a file larger than this many bytes (streamed sources read files of any size)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *source == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	spec, ok := sources.Lookup(*source)
	if !ok {
		return fmt.Errorf("--source %s: unknown; known: %s", *source, strings.Join(sources.Names(), ", "))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	failed := false
	for _, file := range fs.Args() {
		rows, err := sources.ValidateFile(ctx, spec, file, *maxBytes)
		if err != nil {
			printErrors(stderr, file, err)
			failed = true
			continue
		}
		var counts []string
		for _, t := range spec.Tables {
			counts = append(counts, fmt.Sprintf("%s %d rows", t, rows[t]))
		}
		fmt.Fprintf(stdout, "%s: ok (%s)\n", file, strings.Join(counts, ", "))
	}
	if failed {
		return errFailed
	}
	return nil
}

// computeLatest loads the stored snapshots and computes the indicators.
func computeLatest(c *commonFlags, stderr io.Writer) (*app, *metrics.Snapshot, error) {
	c.logLevel = "warn" // reading commands print results, not progress
	a, err := c.app(stderr)
	if err != nil {
		return nil, nil, err
	}
	if err := a.requireSnapshots(); err != nil {
		return nil, nil, err
	}
	a.pub.OnPublish = nil // reading commands do not touch the data directory
	snap, err := a.pub.Recompute(context.Background())
	return a, snap, err
}

func cmdExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "[--data-dir D] --out DIR", `
Writes the export computed from the latest stored snapshots into DIR:
indicators.csv, datapackage.json (Data Package v2), one CSV per indicator
under indicators/, the catalogue as catalogue.csv and catalogue.json, and
CITATION.cff.`, stderr)
	var c commonFlags
	c.register(fs, true)
	out := fs.String("out", "", "directory to write the export files into")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errUsage
	}
	_, snap, err := computeLatest(&c, stderr)
	if err != nil {
		return err
	}
	if err := writeExportDir(*out, snap); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d files to %s: indicators.csv (%d rows), datapackage.json, catalogue.csv, catalogue.json, CITATION.cff and indicators/<id>.csv\n",
		len(snap.Exports.Files), *out, len(snap.Rows))
	return nil
}

func cmdIndicators(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("indicators", "[--data-dir D] [--format table|csv|json] [--all]", `
Prints the latest indicator values computed from the stored snapshots.
--all lists the whole catalogue instead: which indicators palermo computes
and, for the others, which missing source keeps them from being computed.`, stderr)
	var c commonFlags
	c.register(fs, true)
	format := fs.String("format", "table", "output format: table, csv or json")
	all := fs.Bool("all", false, "list the catalogue, with the data each entry lacks")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("--format: %q is not table, csv or json", *format)
	}
	if *all {
		return printCatalogue(stdout, *format)
	}
	_, snap, err := computeLatest(&c, stderr)
	if err != nil {
		return err
	}
	switch *format {
	case "csv":
		_, err = stdout.Write(snap.Exports.CSV)
		return err
	case "json":
		type row struct {
			Indicator    string   `json:"indicator"`
			Jurisdiction string   `json:"jurisdiction"`
			Period       string   `json:"period"`
			Value        *float64 `json:"value"`
			Numerator    *float64 `json:"numerator"`
			Denominator  *float64 `json:"denominator"`
			Unit         string   `json:"unit"`
			Status       string   `json:"status"`
			StatusReason string   `json:"status_reason,omitempty"`
			Source       string   `json:"source"`
			SourceURL    string   `json:"source_url"`
			RetrievedAt  string   `json:"retrieved_at"`
			SourceKind   string   `json:"source_kind"`
		}
		rows := make([]row, 0, len(snap.Rows))
		for _, r := range snap.Rows {
			jr := row{Indicator: r.Indicator.ID, Jurisdiction: r.Jurisdiction, Period: r.Period, Unit: string(r.Indicator.Unit),
				Status: string(r.Status), StatusReason: r.Reason, Source: r.Source, SourceURL: r.SourceURL, RetrievedAt: r.RetrievedAt.UTC().Format(time.RFC3339),
				SourceKind: r.SourceKind.String()}
			if r.Status != metrics.StatusSuppressed {
				jr.Value, jr.Numerator, jr.Denominator = r.Value, r.Numerator, r.Denominator
			}
			rows = append(rows, jr)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDICATOR\tJURISDICTION\tPERIOD\tVALUE\tNUMERATOR\tDENOMINATOR\tSTATUS\tSOURCE")
	for _, r := range snap.Rows {
		if !r.Published() {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Indicator.ID, r.Jurisdiction, r.Period,
			num(r.Value), num(r.Numerator), num(r.Denominator), r.Status, r.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var hidden int
	for _, r := range snap.Rows {
		if !r.Published() {
			hidden++
		}
	}
	fmt.Fprintf(stdout, "\n%d published rows; %d rows suppressed or without data are in --format csv.\n", len(snap.Rows)-hidden, hidden)
	return nil
}

func num(v *float64) string {
	if v == nil {
		return ""
	}
	if *v == float64(int64(*v)) {
		return fmt.Sprintf("%d", int64(*v))
	}
	return fmt.Sprintf("%.4g", *v)
}

func printCatalogue(w io.Writer, format string) error {
	type entry struct {
		ID          string   `json:"id"`
		Title       string   `json:"title"`
		Unit        string   `json:"unit"`
		Direction   string   `json:"direction"`
		Computed    bool     `json:"computed"`
		Sources     []string `json:"sources,omitempty"`
		MissingData string   `json:"missing_data,omitempty"`
	}
	var entries []entry
	for _, ind := range metrics.Catalogue {
		entries = append(entries, entry{ind.ID, ind.Title, string(ind.Unit), string(ind.Direction), ind.HasData(), ind.Sources, ind.MissingData})
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"id", "computed", "unit", "direction", "sources", "missing_data"})
		for _, e := range entries {
			cw.Write([]string{e.ID, strconv.FormatBool(e.Computed), e.Unit, e.Direction, strings.Join(e.Sources, " "), e.MissingData})
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDICATOR\tCOMPUTED\tUNIT\tDIRECTION\tFROM / MISSING")
	for _, e := range entries {
		from := strings.Join(e.Sources, ", ")
		computed := "yes"
		if !e.Computed {
			computed, from = "no", "lacks data: "+e.MissingData
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, computed, e.Unit, e.Direction, from)
	}
	return tw.Flush()
}

func cmdSources(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sources", "[--config F] [--data-dir D]", `
Lists every source palermo knows: whether it is configured and enabled, its
schedule, where it reads from, and its last run, rows and status from the
data directory.`, stderr)
	var c commonFlags
	c.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := c.app(stderr)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tENABLED\tSCHEDULE\tLOCATION\tLAST RUN\tROWS\tSTATUS\tSUMMARY")
	for _, spec := range sources.Specs() {
		sc, configured := a.cfg.Sources[spec.Name]
		enabled, schedule, location := "no", spec.DefaultSchedule, "-"
		if configured {
			schedule, location = sc.Schedule, sources.RedactLocation(sc.Location)
			if sc.IsEnabled() {
				enabled = "yes"
			}
		} else if _, err := a.store.Current(spec.Name); err == nil {
			enabled, schedule, location = "yes", "-", pipeline.LocationIngested
		}
		st := a.state.Job(spec.Name)
		last, status := "never", "no snapshot"
		if !st.LastRunStart.IsZero() {
			last = st.LastRunStart.UTC().Format("2006-01-02 15:04Z")
		}
		if _, err := a.store.Current(spec.Name); err == nil {
			status = "ok"
		}
		if st.Runs > 0 && !st.LastRunSuccess {
			status = "last run failed"
		}
		var rows []string
		for _, t := range spec.Tables {
			rows = append(rows, fmt.Sprintf("%s=%d", t, st.Rows[t]))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", spec.Name, enabled, schedule, location, last, strings.Join(rows, " "), status, spec.Summary)
	}
	return tw.Flush()
}

func cmdHealthcheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("healthcheck", "[--url URL]", `
Asks a running palermo whether it is healthy and exits 0 if it answers 200.
Container images without a shell or curl use it as their HEALTHCHECK.`, stderr)
	url := fs.String("url", "http://127.0.0.1:9741/healthz", "URL to ask")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	client := &http.Client{Timeout: *timeout}
	// The URL may carry basic-auth credentials: they are sent, never shown.
	shown := sources.RedactLocation(*url)
	resp, err := client.Get(*url)
	if err != nil {
		return errors.New(sources.RedactText(err.Error(), *url))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", shown, resp.Status)
	}
	fmt.Fprintf(stdout, "%s: %s\n", shown, resp.Status)
	return nil
}

func cmdReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "[--data-dir D] --out DIR [--jurisdiction X]...", `
Writes a report for people who do not run Grafana: one self-contained HTML
page per jurisdiction (DIR/<jurisdiction>/index.html, charts embedded) with a
PNG chart per indicator beside it, each with its direction, caveats and
sources, and a scorecard; DIR/index.html lists the pages. Without
--jurisdiction, every jurisdiction with a published value gets a page.`, stderr)
	var c commonFlags
	c.register(fs, true)
	out := fs.String("out", "", "directory to write the report into")
	var only multiFlag
	fs.Var(&only, "jurisdiction", "only this jurisdiction, e.g. WLD, USA, US-MN (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errUsage
	}
	_, snap, err := computeLatest(&c, stderr)
	if err != nil {
		return err
	}
	all := report.Jurisdictions(snap)
	list := all
	if len(only) > 0 {
		list = nil
		for _, j := range only {
			if !slices.Contains(all, j) {
				return fmt.Errorf("--jurisdiction %s: no published value; jurisdictions with values: %s", j, strings.Join(all, ", "))
			}
			list = append(list, j)
		}
	}
	for _, j := range list {
		page, err := report.Render(snap, metrics.Catalogue, j)
		if err != nil {
			return err
		}
		dir := filepath.Join(*out, j)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := pipeline.WriteFileAtomic(filepath.Join(dir, "index.html"), page.HTML); err != nil {
			return err
		}
		for id, png := range page.Charts {
			if err := pipeline.WriteFileAtomic(filepath.Join(dir, id+".png"), png); err != nil {
				return err
			}
		}
	}
	if err := pipeline.WriteFileAtomic(filepath.Join(*out, "index.html"), report.Index(snap, list)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d report pages to %s (open %s)\n", len(list), *out, filepath.Join(*out, "index.html"))
	return nil
}

func acceptShrink(names []string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

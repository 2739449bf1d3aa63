package pipeline

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// JobMetrics exposes job health. Gauges and counters are read from the
// persisted State at scrape time, so last-success times and run counts
// survive a restart; only the duration histogram lives in memory.
type JobMetrics struct {
	cfg      *Config
	names    func() []string // the jobs to report; the enabled sources by default
	state    *State
	duration *prometheus.HistogramVec
	next     func(job string) float64 // unix seconds of the next run, 0 if unknown

	lastSuccess, lastResult, lastDuration, runs, failures, skipped, rows, nextRun, interval, quarantined *prometheus.Desc
	// of the files of a source made of many (at most MaxPartitions a job)
	partitionResult, partitionSuccess *prometheus.Desc
}

// NewJobMetrics builds the job-health collector.
func NewJobMetrics(cfg *Config, state *State) *JobMetrics {
	jl := []string{"job_name"}
	return &JobMetrics{
		cfg:   cfg,
		state: state,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "palermo_job_duration_seconds",
			Help:    "Duration of job runs (fetch, parse, validate, store), successful or not.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, jl),
		lastSuccess:  prometheus.NewDesc("palermo_job_last_success_timestamp_seconds", "Unix time of the job's last successful run (restored from disk after a restart).", jl, nil),
		lastResult:   prometheus.NewDesc("palermo_job_last_run_success", "1 if the job's last run succeeded, 0 if it failed.", jl, nil),
		lastDuration: prometheus.NewDesc("palermo_job_last_run_duration_seconds", "Duration of the job's last run.", jl, nil),
		runs:         prometheus.NewDesc("palermo_job_runs_total", "Job runs, successful or not, since the data directory was created.", jl, nil),
		failures:     prometheus.NewDesc("palermo_job_failures_total", "Failed job runs since the data directory was created.", jl, nil),
		skipped:      prometheus.NewDesc("palermo_job_skipped_total", "Runs not started because the job's previous run was still going.", jl, nil),
		nextRun:      prometheus.NewDesc("palermo_job_next_run_timestamp_seconds", "Unix time of the job's next scheduled run.", jl, nil),
		quarantined:  prometheus.NewDesc("palermo_job_rows_quarantined", "Rows of the job's last run that failed validation and were left out of its snapshot (listed in quarantine.txt beside it).", jl, nil),
		interval:     prometheus.NewDesc("palermo_job_schedule_interval_seconds", "Time between two scheduled runs of the job (the next two), for staleness alerts.", jl, nil),
		rows:         prometheus.NewDesc("palermo_table_rows", "Rows in the current snapshots of a canonical table, over all sources.", []string{"table"}, nil),
		partitionResult: prometheus.NewDesc("palermo_partition_last_run_success",
			"1 if the last run of one file (partition) of a source made of many succeeded, 0 if it failed and its previous snapshot stays in use.", []string{"job_name", "partition"}, nil),
		partitionSuccess: prometheus.NewDesc("palermo_partition_last_success_timestamp_seconds",
			"Unix time of the last successful run of one file (partition) of a source made of many.", []string{"job_name", "partition"}, nil),
	}
}

// SetNext tells the collector how to find the next run of a job.
func (m *JobMetrics) SetNext(f func(job string) float64) { m.next = f }

func (m *JobMetrics) observe(job string, seconds float64) {
	m.duration.WithLabelValues(job).Observe(seconds)
}

func (m *JobMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.duration.Describe(ch)
	for _, d := range []*prometheus.Desc{m.lastSuccess, m.lastResult, m.lastDuration, m.runs, m.failures, m.skipped, m.nextRun, m.interval, m.quarantined, m.rows, m.partitionResult, m.partitionSuccess} {
		ch <- d
	}
}

func (m *JobMetrics) Collect(ch chan<- prometheus.Metric) {
	m.duration.Collect(ch)
	rows := map[string]int64{}
	names := m.cfg.EnabledSources
	if m.names != nil {
		names = m.names
	}
	for _, name := range names() {
		j := m.state.Job(name)
		if j.Runs > 0 {
			ch <- prometheus.MustNewConstMetric(m.lastResult, prometheus.GaugeValue, b2f(j.LastRunSuccess), name)
			ch <- prometheus.MustNewConstMetric(m.lastDuration, prometheus.GaugeValue, j.LastRunDuration, name)
		}
		if !j.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(m.lastSuccess, prometheus.GaugeValue, float64(j.LastSuccess.UnixNano())/1e9, name)
		}
		ch <- prometheus.MustNewConstMetric(m.runs, prometheus.CounterValue, float64(j.Runs), name)
		ch <- prometheus.MustNewConstMetric(m.failures, prometheus.CounterValue, float64(j.Failures), name)
		ch <- prometheus.MustNewConstMetric(m.skipped, prometheus.CounterValue, float64(j.Skipped), name)
		ch <- prometheus.MustNewConstMetric(m.quarantined, prometheus.GaugeValue, float64(j.Quarantined), name)
		if m.next != nil {
			if t := m.next(name); t > 0 {
				ch <- prometheus.MustNewConstMetric(m.nextRun, prometheus.GaugeValue, t, name)
			}
		}
		if sc, ok := m.cfg.Sources[name]; !ok {
			// ingested only: no schedule
		} else if sched, err := ParseSchedule(sc.Schedule); err == nil {
			next := sched.Next(time.Now().UTC())
			ch <- prometheus.MustNewConstMetric(m.interval, prometheus.GaugeValue, sched.Next(next).Sub(next).Seconds(), name)
		}
		for t, n := range j.Rows {
			rows[t] += n
		}
		for key, p := range j.Partitions {
			ch <- prometheus.MustNewConstMetric(m.partitionResult, prometheus.GaugeValue, b2f(p.LastRunSuccess), name, key)
			if !p.LastSuccess.IsZero() {
				ch <- prometheus.MustNewConstMetric(m.partitionSuccess, prometheus.GaugeValue, float64(p.LastSuccess.UnixNano())/1e9, name, key)
			}
		}
	}
	for t, n := range rows {
		ch <- prometheus.MustNewConstMetric(m.rows, prometheus.GaugeValue, float64(n), t)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

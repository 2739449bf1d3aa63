package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/server"
)

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

package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/palermo-project/palermo/sources"
)

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

package configs

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// No Docker engine runs where palermo is developed, so docker-compose.yml
// is checked here for what can be checked without one.

func loadCompose(t *testing.T, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"},
		cli.WithWorkingDirectory(".."), cli.WithEnv(env), cli.WithName("palermo"))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func TestComposeFile(t *testing.T) {
	p, err := loadCompose(t, []string{"GRAFANA_ADMIN_PASSWORD=test-only"})
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := filepath.Abs("..")
	for _, name := range []string{"palermo", "prometheus", "grafana"} {
		svc, ok := p.Services[name]
		if !ok {
			t.Fatalf("no service %s", name)
		}
		if svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 {
			t.Errorf("%s has no healthcheck", name)
		}
		if svc.Build == nil {
			// Exact pinned tags: name:version, never latest or a bare name.
			if !regexp.MustCompile(`^[a-z0-9./-]+:v?\d+\.\d+\.\d+$`).MatchString(svc.Image) {
				t.Errorf("%s: image %q is not pinned to an exact version", name, svc.Image)
			}
		}
		for _, port := range svc.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %d on %q, want 127.0.0.1 by default", name, port.Target, port.HostIP)
			}
		}
		for _, v := range svc.Volumes {
			switch v.Type {
			case types.VolumeTypeBind:
				if !strings.HasPrefix(v.Source, repo) {
					t.Errorf("%s mounts %s from outside the repository", name, v.Source)
				}
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s mounts %s, which does not exist", name, v.Source)
				}
				if !v.ReadOnly {
					t.Errorf("%s mounts %s read-write; configuration is mounted read-only", name, v.Source)
				}
			case types.VolumeTypeVolume:
				if _, ok := p.Volumes[v.Source]; !ok {
					t.Errorf("%s uses undeclared volume %s", name, v.Source)
				}
			}
		}
	}
	// Ports agree with the configurations.
	var pal struct {
		Listen string `yaml:"listen"`
	}
	yaml.Unmarshal(DefaultPalermo, &pal)
	_, palPort, _ := net.SplitHostPort(pal.Listen)
	if got := p.Services["palermo"].Ports[0].Target; fmt.Sprint(got) != palPort {
		t.Errorf("compose publishes palermo's %v, configs/palermo.yaml listens on %s", got, palPort)
	}
	if !strings.Contains(strings.Join(p.Services["palermo"].Command, " "), "0.0.0.0:"+palPort) {
		t.Errorf("palermo's command does not listen on port %s in the container", palPort)
	}
	var prom struct {
		ScrapeConfigs []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	b, _ := os.ReadFile("prometheus/prometheus.yml")
	if err := yaml.Unmarshal(b, &prom); err != nil {
		t.Fatal(err)
	}
	if target := prom.ScrapeConfigs[0].StaticConfigs[0].Targets[0]; target != "palermo:"+palPort {
		t.Errorf("Prometheus scrapes %s, palermo listens on %s", target, palPort)
	}
	ds, _ := os.ReadFile("grafana/provisioning/datasources/prometheus.yml")
	promPort := fmt.Sprint(p.Services["prometheus"].Ports[0].Target)
	if !strings.Contains(string(ds), "http://prometheus:"+promPort) || !strings.Contains(string(ds), "uid: prometheus") {
		t.Errorf("the Grafana datasource does not point at the prometheus service on %s with uid prometheus", promPort)
	}
	dash, _ := os.ReadFile("grafana/provisioning/dashboards/palermo.yml")
	mounted := false
	for _, v := range p.Services["grafana"].Volumes {
		if strings.HasSuffix(v.Source, "/dashboards") && strings.Contains(string(dash), "path: "+v.Target) {
			mounted = true
		}
	}
	if !mounted {
		t.Error("the dashboard provider's path is not where compose mounts dashboards/")
	}
	env := p.Services["grafana"].Environment
	if v := env["GF_AUTH_ANONYMOUS_ORG_ROLE"]; v == nil || *v != "Viewer" {
		t.Error("Grafana anonymous access is not read-only (Viewer)")
	}
}

// The admin password must come from the environment: without it compose
// refuses to start.
func TestComposeNeedsAdminPassword(t *testing.T) {
	if _, err := loadCompose(t, nil); err == nil || !strings.Contains(err.Error(), "GRAFANA_ADMIN_PASSWORD") {
		t.Fatalf("loading without GRAFANA_ADMIN_PASSWORD: %v", err)
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(s, -1)); n < 2 {
		t.Errorf("Dockerfile has %d stages, want a multi-stage build", n)
	}
	if regexp.MustCompile(`(?m)^FROM \S+:latest`).MatchString(s) || regexp.MustCompile(`(?m)^FROM [^:\s]+(\s|$)`).MatchString(s) {
		t.Error("Dockerfile uses an unpinned base image")
	}
	if !regexp.MustCompile(`(?m)^USER (65532|nonroot)`).MatchString(s) {
		t.Error("the final image does not run as a non-root user")
	}
	if !strings.Contains(s, `HEALTHCHECK`) || !strings.Contains(s, `/palermo", "healthcheck"`) {
		t.Error("the image has no healthcheck that works without a shell")
	}
}

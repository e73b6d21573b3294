package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/onrecord/onrecord/store"
)

// health is the body of /healthz.
type health struct {
	Status    string           `json:"status"` // "ok" or "unavailable"
	Version   string           `json:"version"`
	Store     string           `json:"store"` // "ok" or why not
	Platforms []platformStatus `json:"platforms"`
}

// healthHandler answers 200 when the store answers and every platform is
// serving, 503 otherwise, with the details as JSON either way.
func healthHandler(db *store.DB, plats []*platform) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		h := health{Status: "ok", Version: version, Store: "ok", Platforms: []platformStatus{}}
		if err := db.Ping(ctx); err != nil {
			h.Status, h.Store = "unavailable", "unreachable"
		}
		for _, p := range plats {
			st := p.status()
			if st.State != stateUp {
				h.Status = "unavailable"
			}
			h.Platforms = append(h.Platforms, st)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if h.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(h)
	})
}

func metricsHandler(m *metrics, plats []*platform) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		states := make([]platformStatus, len(plats))
		for i, p := range plats {
			states[i] = p.status()
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		m.write(w, states)
	})
}

// runHealthcheck is `onrecord healthcheck`: it asks the running program's
// /healthz on this host and succeeds only on 200. The container image has
// no shell or curl, so its HEALTHCHECK runs this.
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	cfg, _, err := loadFlags("healthcheck", []*option{optionByEnv("ONRECORD_HTTP_ADDR")}, args, getenv, io)
	if err != nil {
		return err
	}
	if cfg.HTTPAddr == "" {
		return fmt.Errorf("%w: ONRECORD_HTTP_ADDR is not set, so there is no /healthz to ask", errConfig)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	url := "http://" + loopback(cfg.HTTPAddr) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := readAllLimit(resp.Body, 64<<10)
	io.out.Write(body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s", resp.Status)
	}
	return nil
}

func readAllLimit(r io.Reader, n int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, n))
}

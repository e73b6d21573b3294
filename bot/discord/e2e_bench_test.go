package discord

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/internal/bench"
)

// BenchmarkE2EInteractions posts signed /ask interactions to the HTTP
// interactions endpoint, as Discord does, from four clients at once, and
// measures the time to the first response (the one Discord wants within
// three seconds) and the sustained rate. The store is ONRECORD_E2E_DB (an
// existing database, such as the 100k store internal/bench keeps with
// -bench.keep) or, by default, the seed plus 1,000 generated statements:
//
//	ONRECORD_E2E_DB=/tmp/onrecord-bench/store-100k.db go test ./bot/discord -run '^$' -bench E2E
func BenchmarkE2EInteractions(b *testing.B) {
	_, engine, questions := bench.E2EStore(b)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"1"}`))
	}))
	defer api.Close()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	d, err := New(Config{Token: "bench", ApplicationID: "111", APIURL: api.URL, PublicKey: hex.EncodeToString(pub)},
		bot.New(engine, quiet), quiet)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(d.InteractionsHandler())
	defer srv.Close()
	bodies := make([][]byte, len(questions))
	for i, q := range questions {
		v, _ := json.Marshal(q)
		bodies[i] = []byte(slashPayload("ask", `{"name":"question","type":3,"value":`+string(v)+`}`, guildMember))
	}
	var mu sync.Mutex
	var lat []time.Duration
	var failed int
	var next int
	b.SetParallelism(2) // 2 cores: four clients
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		client := &http.Client{}
		for pb.Next() {
			mu.Lock()
			body := bodies[next%len(bodies)]
			next++
			mu.Unlock()
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/interactions", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Signature-Timestamp", ts)
			req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), body...))))
			t0 := time.Now()
			resp, err := client.Do(req)
			d := time.Since(t0)
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			mu.Lock()
			lat = append(lat, d)
			if !ok {
				failed++
			}
			mu.Unlock()
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if failed > 0 {
		b.Errorf("%d of %d interactions failed", failed, len(lat))
	}
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))]) / 1e6 }
	b.ReportMetric(q(0.5), "first-p50-ms")
	b.ReportMetric(q(0.99), "first-p99-ms")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "interactions/s")
}

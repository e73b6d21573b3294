package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	dg "github.com/bwmarrin/discordgo"
)

const (
	// maxInteractionBody bounds a request body; interactions are small,
	// even with resolved users and attachments.
	maxInteractionBody = 1 << 20
	// maxSignatureAge rejects replayed requests: a signed body captured
	// once must not be accepted again later.
	maxSignatureAge = 5 * time.Minute
)

// InteractionsHandler serves POST /interactions for HTTP interactions mode
// (developers/interactions/overview.mdx, "Receiving an interaction").
// Every request's Ed25519 signature is checked before anything else; the
// first response goes in the HTTP response body, and later edits of a
// deferred reply go through the REST API with the bot token.
func (d *Discord) InteractionsHandler() http.Handler {
	return http.HandlerFunc(d.serveHTTP)
}

func (d *Discord) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/interactions" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if d.pub == nil {
		http.Error(w, "interactions endpoint not configured", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInteractionBody))
	if err != nil {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	if !d.verify(r.Header, body) {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var i dg.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		d.logger.WarnContext(r.Context(), "unreadable interaction", slog.Any("err", err))
		http.Error(w, "unreadable interaction", http.StatusBadRequest)
		return
	}
	if i.Type == dg.InteractionPing {
		writeJSON(w, &dg.InteractionResponse{Type: dg.InteractionResponsePong})
		return
	}

	first := make(chan *dg.InteractionResponse, 1)
	respond := func(ctx context.Context, resp *dg.InteractionResponse) error {
		select {
		case first <- resp:
			return nil
		default:
			return errors.New("the HTTP response was already sent")
		}
	}
	go d.serve(&i, respond, true)
	t := time.NewTimer(firstResponseLimit)
	defer t.Stop()
	select {
	case resp := <-first:
		writeJSON(w, resp)
	case <-t.C:
		d.logger.ErrorContext(r.Context(), "no first response in time", slog.String("interaction", i.ID))
		http.Error(w, "no response in time", http.StatusInternalServerError)
	case <-r.Context().Done():
	}
}

// verify checks the request's signature over timestamp and body, and that
// the timestamp is recent.
func (d *Discord) verify(h http.Header, body []byte) bool {
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false
	}
	ts := h.Get("X-Signature-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	age := d.cfg.Now().Sub(time.Unix(sec, 0))
	if age > maxSignatureAge || age < -maxSignatureAge {
		return false
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	return ed25519.Verify(d.pub, msg, sig)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

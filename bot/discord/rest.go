package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	dg "github.com/bwmarrin/discordgo"
)

// Endpoints authenticated by an interaction token (the callback, the
// original response, follow-ups) are called directly rather than through
// discordgo's REST methods, for three reasons: discordgo keeps a rate-limit
// bucket per URL forever, and these URLs contain a fresh token each time;
// it sleeps, without a context, whenever any response announced a global
// rate limit, and a callback must never wait; and its 429 handling cannot
// be bounded. Registration and other bot calls still use discordgo.

// tokenCall sends payload (JSON, or multipart when there are files) to an
// interaction-token endpoint. A 429 comes back as *dg.RateLimitError so
// that retry can wait it out where waiting is allowed.
func (d *Discord) tokenCall(ctx context.Context, method, endpoint string, payload any, files []*dg.File) error {
	var (
		body        []byte
		contentType = "application/json"
		err         error
	)
	switch {
	case len(files) > 0:
		contentType, body, err = dg.MultipartBodyWithJSON(payload, files)
	case payload != nil:
		body, err = json.Marshal(payload)
	}
	if err != nil {
		return fmt.Errorf("encoding %s: %w", redact(endpoint), err)
	}
	// discordgo's endpoints start with its own base; logs should show
	// where the request really goes.
	if rest, ok := strings.CutPrefix(endpoint, sdkAPI); ok {
		endpoint = d.api + rest
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", d.session.Token)
	req.Header.Set("User-Agent", d.session.UserAgent)
	resp, err := d.session.Client.Do(req)
	if err != nil {
		// The error quotes the URL, token and all.
		return fmt.Errorf("%s %s: request failed: %w", method, redact(endpoint), unwrapURLError(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests:
		var tmr dg.TooManyRequests
		if err := dg.Unmarshal(b, &tmr); err != nil {
			return fmt.Errorf("%s %s: 429 with an unreadable body", method, redact(endpoint))
		}
		return &dg.RateLimitError{RateLimit: &dg.RateLimit{TooManyRequests: &tmr, URL: redact(endpoint)}}
	}
	return fmt.Errorf("%s %s: %s: %s", method, redact(endpoint), resp.Status, bytes.TrimSpace(b))
}

// unwrapURLError drops the *url.Error wrapper, whose message repeats the
// URL with its token.
func unwrapURLError(err error) error {
	if u, ok := err.(interface{ Unwrap() error }); ok {
		if inner := u.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// redact removes the interaction token from an endpoint for logs: it
// grants anyone holding it the right to post as the bot for 15 minutes.
func redact(endpoint string) string {
	parts := strings.Split(endpoint, "/")
	for i := 1; i+1 < len(parts); i++ {
		if parts[i-1] == "webhooks" || parts[i-1] == "interactions" {
			parts[i+1] = "…"
		}
	}
	return strings.Join(parts, "/")
}

// callback sends the first response to an interaction. It never retries:
// a callback is either in time or useless.
func (d *Discord) callback(ctx context.Context, i *dg.Interaction, resp *dg.InteractionResponse) error {
	var files []*dg.File
	if resp.Data != nil {
		files = resp.Data.Files
	}
	return d.tokenCall(ctx, http.MethodPost, dg.EndpointInteractionResponse(i.ID, i.Token), resp, files)
}

// editOriginal replaces the original response (or, for a button, the
// message it is on), waiting out rate limits within ctx.
func (d *Discord) editOriginal(ctx context.Context, i *dg.Interaction, edit *dg.WebhookEdit) error {
	return d.retry(ctx, func(...dg.RequestOption) error {
		return d.tokenCall(ctx, http.MethodPatch, dg.EndpointWebhookMessage(i.AppID, i.Token, "@original"), edit, edit.Files)
	})
}

// deleteOriginal deletes the original response.
func (d *Discord) deleteOriginal(ctx context.Context, i *dg.Interaction) error {
	return d.retry(ctx, func(...dg.RequestOption) error {
		return d.tokenCall(ctx, http.MethodDelete, dg.EndpointWebhookMessage(i.AppID, i.Token, "@original"), nil, nil)
	})
}

// followUp sends a new message for an interaction already answered.
func (d *Discord) followUp(ctx context.Context, i *dg.Interaction, p *dg.WebhookParams) error {
	return d.retry(ctx, func(...dg.RequestOption) error {
		return d.tokenCall(ctx, http.MethodPost, dg.EndpointWebhookToken(i.AppID, i.Token), p, p.Files)
	})
}

package discord

import (
	"bufio"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/onrecord/onrecord/internal/sharedtest"
)

// The checker below validates what the bot sends against Discord's own
// OpenAPI description (../shared/specs/discord-openapi.json) and the limits
// derived from it (discord-limits-derived.tsv). It implements the subset of
// JSON Schema those files use for request bodies: type, required,
// properties, additionalProperties, min/maxLength, min/maxItems,
// minimum/maximum, maxProperties, enum, const, oneOf, anyOf, allOf, $ref.

// specsDir returns shared/specs beside the checkout, or "": the specs live
// outside the repository.
func specsDir() string { return sharedtest.Dir("specs") }

type schema = map[string]any

type specChecker struct {
	doc     schema
	schemas schema
	paths   []pathSpec
	// limits holds the TSV rows: schema name -> property -> row.
	limits map[string]map[string]limitRow
}

type pathSpec struct {
	template string
	re       *regexp.Regexp
	params   int
	ops      schema
}

type limitRow struct {
	required    bool
	constraints schema
	additional  schema
}

var (
	specOnce sync.Once
	specVal  *specChecker
	specErr  error
)

// loadSpec reads and indexes the specs once per test binary, skipping the
// test when they are absent.
func loadSpec(t testing.TB) *specChecker {
	t.Helper()
	c := specIfPresent(t)
	if c == nil {
		t.Skip("shared/specs not found above the working directory; spec checks skipped")
	}
	return c
}

// specIfPresent is loadSpec for tests that check more than the spec: it
// returns nil instead of skipping, so their other checks still count.
func specIfPresent(t testing.TB) *specChecker {
	t.Helper()
	dir := specsDir()
	if dir == "" {
		t.Log("shared/specs not found; spec checks skipped")
		return nil
	}
	specOnce.Do(func() { specVal, specErr = readSpec(dir) })
	if specErr != nil {
		t.Fatalf("reading specs: %v", specErr)
	}
	return specVal
}

func readSpec(dir string) (*specChecker, error) {
	b, err := os.ReadFile(filepath.Join(dir, "discord-openapi.json"))
	if err != nil {
		return nil, err
	}
	c := &specChecker{limits: map[string]map[string]limitRow{}}
	if err := json.Unmarshal(b, &c.doc); err != nil {
		return nil, err
	}
	c.schemas = c.doc["components"].(schema)["schemas"].(schema)
	for tmpl, ops := range c.doc["paths"].(schema) {
		segs := strings.Split(tmpl, "/")
		n := 0
		for i, seg := range segs {
			if strings.HasPrefix(seg, "{") {
				segs[i] = "[^/]+"
				n++
			} else {
				segs[i] = regexp.QuoteMeta(seg)
			}
		}
		re := regexp.MustCompile("^" + strings.Join(segs, "/") + "$")
		c.paths = append(c.paths, pathSpec{template: tmpl, re: re, params: n, ops: ops.(schema)})
	}
	// Literal segments ("@original") beat parameters ("{message_id}").
	sort.Slice(c.paths, func(i, j int) bool { return c.paths[i].params < c.paths[j].params })

	f, err := os.Open(filepath.Join(dir, "discord-limits-derived.tsv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 0; sc.Scan(); line++ {
		if line == 0 {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 4 {
			continue
		}
		row := limitRow{required: cols[2] == "true"}
		if cols[3] != "" {
			if err := json.Unmarshal([]byte(cols[3]), &row.constraints); err != nil {
				return nil, fmt.Errorf("tsv line %d: %v", line+1, err)
			}
		}
		if len(cols) > 4 && cols[4] != "" {
			if err := json.Unmarshal([]byte(cols[4]), &row.additional); err != nil {
				return nil, fmt.Errorf("tsv line %d: %v", line+1, err)
			}
		}
		if c.limits[cols[0]] == nil {
			c.limits[cols[0]] = map[string]limitRow{}
		}
		c.limits[cols[0]][cols[1]] = row
	}
	return c, sc.Err()
}

// requestSchema returns the JSON request body schema of an operation.
func (c *specChecker) requestSchema(method, path string) (schema, string, error) {
	for _, p := range c.paths {
		if !p.re.MatchString(path) {
			continue
		}
		op, ok := p.ops[strings.ToLower(method)].(schema)
		if !ok {
			return nil, p.template, fmt.Errorf("%s %s: no such operation in the spec", method, p.template)
		}
		rb, ok := op["requestBody"].(schema)
		if !ok {
			return nil, p.template, nil
		}
		js := rb["content"].(schema)["application/json"].(schema)["schema"].(schema)
		return js, p.template, nil
	}
	return nil, "", fmt.Errorf("%s %s: no such path in the spec", method, path)
}

// checkRequest validates one request the bot sent. Multipart bodies are
// checked through their payload_json part.
func (c *specChecker) checkRequest(method, path, contentType string, body []byte) []string {
	s, tmpl, err := c.requestSchema(method, path)
	if err != nil {
		return []string{err.Error()}
	}
	if s == nil {
		if len(body) > 0 {
			return []string{fmt.Sprintf("%s %s takes no body", method, tmpl)}
		}
		return nil
	}
	if mt, params, _ := mime.ParseMediaType(contentType); mt == "multipart/form-data" {
		r := multipart.NewReader(strings.NewReader(string(body)), params["boundary"])
		body = nil
		for {
			p, err := r.NextPart()
			if err != nil {
				break
			}
			if p.FormName() == "payload_json" {
				var sb strings.Builder
				buf := make([]byte, 4096)
				for {
					n, err := p.Read(buf)
					sb.Write(buf[:n])
					if err != nil {
						break
					}
				}
				body = []byte(sb.String())
			}
		}
		if body == nil {
			return []string{"multipart body without payload_json"}
		}
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{fmt.Sprintf("%s %s: body is not JSON: %v", method, tmpl, err)}
	}
	return c.validate(v, s, "$", "")
}

// stringIntegers are properties the OpenAPI file types as integers that
// Discord documents, and its libraries send, as strings of digits:
// application-commands.mdx says default_member_permissions is "a bitwise
// OR-ed set of permissions, serialized as a string".
var stringIntegers = map[string]bool{"default_member_permissions": true}

func (c *specChecker) resolve(ref string) (schema, string) {
	name := strings.TrimPrefix(ref, "#/components/schemas/")
	s, _ := c.schemas[name].(schema)
	return s, name
}

// validate returns every violation of s by v at path. named is the schema
// name v is validated as, for the TSV limits.
func (c *specChecker) validate(v any, s schema, path, named string) []string {
	var errs []string
	fail := func(format string, args ...any) {
		errs = append(errs, path+": "+fmt.Sprintf(format, args...))
	}
	if ref, ok := s["$ref"].(string); ok {
		rs, name := c.resolve(ref)
		if rs == nil {
			return []string{path + ": unresolved " + ref}
		}
		errs = append(errs, c.validate(v, rs, path, name)...)
		errs = append(errs, c.checkLimits(v, name, path)...)
	}
	if t, ok := s["type"]; ok && !typeMatches(v, t) {
		fail("%s is not of type %v", brief(v), t)
		return errs
	}
	if e, ok := s["enum"].([]any); ok && !containsJSON(e, v) {
		fail("%s not in enum %v", brief(v), e)
	}
	if k, ok := s["const"]; ok && !equalJSON(k, v) {
		fail("%s is not %v", brief(v), k)
	}
	switch x := v.(type) {
	case string:
		n := utf8.RuneCountInString(x)
		if m, ok := num(s["maxLength"]); ok && float64(n) > m {
			fail("length %d over maxLength %v", n, m)
		}
		if m, ok := num(s["minLength"]); ok && float64(n) < m {
			fail("length %d under minLength %v", n, m)
		}
	case float64:
		if m, ok := num(s["maximum"]); ok && x > m {
			fail("%v over maximum %v", x, m)
		}
		if m, ok := num(s["minimum"]); ok && x < m {
			fail("%v under minimum %v", x, m)
		}
	case []any:
		if m, ok := num(s["maxItems"]); ok && float64(len(x)) > m {
			fail("%d items over maxItems %v", len(x), m)
		}
		if m, ok := num(s["minItems"]); ok && float64(len(x)) < m {
			fail("%d items under minItems %v", len(x), m)
		}
		if items, ok := s["items"].(schema); ok {
			for i, it := range x {
				errs = append(errs, c.validate(it, items, fmt.Sprintf("%s[%d]", path, i), "")...)
			}
		}
	case map[string]any:
		if m, ok := num(s["maxProperties"]); ok && float64(len(x)) > m {
			fail("%d properties over maxProperties %v", len(x), m)
		}
		for _, r := range asList(s["required"]) {
			if _, ok := x[r.(string)]; !ok {
				fail("missing required property %q", r)
			}
		}
		props, _ := s["properties"].(schema)
		for k, pv := range x {
			if stringIntegers[k] {
				if str, ok := pv.(string); ok {
					f, err := strconv.ParseFloat(str, 64)
					if err != nil {
						fail("%s: %q is not a string of digits", k, str)
						continue
					}
					pv = f
				}
			}
			if ps, ok := props[k].(schema); ok {
				errs = append(errs, c.validate(pv, ps, path+"."+k, "")...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap && props != nil {
					fail("property %q not allowed", k)
				}
			case schema:
				errs = append(errs, c.validate(pv, ap, path+"."+k, "")...)
			}
		}
	}
	for _, sub := range asList(s["allOf"]) {
		errs = append(errs, c.validate(v, sub.(schema), path, "")...)
	}
	if any := asList(s["anyOf"]); len(any) > 0 {
		var all []string
		ok := false
		for _, sub := range any {
			e := c.validate(v, sub.(schema), path, "")
			if len(e) == 0 {
				ok = true
				break
			}
			all = append(all, e...)
		}
		if !ok {
			fail("matches none of anyOf: %s", strings.Join(firstN(all, 6), "; "))
		}
	}
	if one := asList(s["oneOf"]); len(one) > 0 {
		matched := 0
		var all []string
		for _, sub := range one {
			e := c.validate(v, sub.(schema), path, "")
			if len(e) == 0 {
				matched++
			} else {
				all = append(all, e...)
			}
		}
		if matched != 1 {
			fail("matches %d of oneOf, want 1: %s", matched, strings.Join(firstN(all, 6), "; "))
		}
	}
	return errs
}

// checkLimits applies the TSV rows of schema name to an object.
func (c *specChecker) checkLimits(v any, name, path string) []string {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var errs []string
	for prop, row := range c.limits[name] {
		pv, present := obj[prop]
		if !present {
			if row.required {
				errs = append(errs, fmt.Sprintf("%s: tsv: %s.%s is required", path, name, prop))
			}
			continue
		}
		if pv == nil {
			continue
		}
		if stringIntegers[prop] {
			if s, ok := pv.(string); ok {
				f, _ := strconv.ParseFloat(s, 64)
				pv = f
			}
		}
		if row.constraints != nil {
			for _, e := range c.validate(pv, row.constraints, path+"."+prop, "") {
				errs = append(errs, "tsv: "+e)
			}
		}
		if m, ok := pv.(map[string]any); ok && row.additional != nil {
			for k, av := range m {
				for _, e := range c.validate(av, row.additional, path+"."+prop+"."+k, "") {
					errs = append(errs, "tsv: "+e)
				}
			}
		}
	}
	return errs
}

func typeMatches(v any, t any) bool {
	for _, name := range asList(t) {
		switch name {
		case "null":
			if v == nil {
				return true
			}
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "number":
			if _, ok := v.(float64); ok {
				return true
			}
		case "integer":
			if f, ok := v.(float64); ok && f == float64(int64(f)) {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		}
	}
	return false
}

func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

func num(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok
}

func containsJSON(list []any, v any) bool {
	for _, e := range list {
		if equalJSON(e, v) {
			return true
		}
	}
	return false
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func brief(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// TestSpecChecker makes sure the checker catches what it is meant to, so
// that a passing spec check means something.
func TestSpecChecker(t *testing.T) {
	c := loadSpec(t)
	const cb = "/interactions/1/tok/callback"
	tests := []struct {
		name string
		body string
		bad  bool
	}{
		{"pong", `{"type":1}`, false},
		{"message", `{"type":4,"data":{"content":"hi","allowed_mentions":{"parse":[]}}}`, false},
		{"unknown callback type", `{"type":42}`, true},
		{"content too long", `{"type":4,"data":{"content":"` + strings.Repeat("x", 2001) + `"}}`, true},
		{"long button label", `{"type":4,"data":{"components":[{"type":1,"components":[{"type":2,"style":2,"custom_id":"a","label":"` + strings.Repeat("x", 81) + `"}]}]}}`, true},
		{"six buttons", `{"type":4,"data":{"components":[{"type":1,"components":[` + strings.TrimSuffix(strings.Repeat(`{"type":2,"style":2,"custom_id":"a"},`, 6), ",") + `]}]}}`, true},
		{"bad mention type", `{"type":4,"data":{"allowed_mentions":{"parse":["nobody"]}}}`, true},
		{"26 choices", `{"type":8,"data":{"choices":[` + strings.TrimSuffix(strings.Repeat(`{"name":"a","value":"b"},`, 26), ",") + `]}}`, true},
		{"empty choice name", `{"type":8,"data":{"choices":[{"name":"","value":"b"}]}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := c.checkRequest("POST", cb, "application/json", []byte(tt.body))
			if got := len(errs) > 0; got != tt.bad {
				t.Errorf("violations = %v, want violations: %v", errs, tt.bad)
			}
		})
	}
	if errs := c.checkRequest("PUT", "/applications/1/commands", "application/json",
		[]byte(`[{"name":"Bad Name","description":"x"}]`)); len(errs) != 0 {
		// The spec does not encode the name pattern; the registration
		// test checks it separately.
		t.Logf("pattern not in spec, as expected: %v", errs)
	}
	if errs := c.checkRequest("PUT", "/applications/1/commands", "application/json",
		[]byte(`[{"name":"`+strings.Repeat("a", 33)+`","description":"x"}]`)); len(errs) == 0 {
		t.Error("33-character command name passed")
	}
}

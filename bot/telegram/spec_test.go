package telegram

// This file checks what the bot sends against Telegram's published rules:
// the Bot API description (methods, parameters, types), the limits derived
// from it, and the HTML formatting rules. The rules are read from the
// project's shared/specs directory, found by walking up from the working
// directory; without it these checks skip.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/onrecord/onrecord/internal/sharedtest"
)

type specField struct {
	Name        string   `json:"name"`
	Types       []string `json:"types"`
	Required    bool     `json:"required"`
	Description string   `json:"description"`
}

type specObject struct {
	Name     string      `json:"name"`
	Fields   []specField `json:"fields"`
	Subtypes []string    `json:"subtypes"`
}

// specLimit is one size rule: Min-Max characters (UTF-16 units after
// entity parsing) or bytes, or at most Max items.
type specLimit struct {
	Min, Max int
	Unit     string // "characters", "bytes" or "items"
	Phrase   string
}

type apiSpec struct {
	methods map[string]specObject // by lower-case name
	types   map[string]specObject
	limits  map[string]map[string]specLimit // owner -> field -> limit
	// tags are the HTML tags Telegram supports, each with its allowed
	// attributes.
	tags map[string]map[string]bool
}

// findSpecs returns the shared/specs directory beside the checkout, or "".
func findSpecs() string { return sharedtest.Dir("specs") }

var (
	specOnce sync.Once
	specVal  *apiSpec
	specErr  error
)

// loadSpec returns the parsed specs, or nil when they are not there.
func loadSpec(t testing.TB) *apiSpec {
	t.Helper()
	specOnce.Do(func() {
		dir := findSpecs()
		if dir == "" {
			return
		}
		specVal, specErr = parseSpecs(dir)
	})
	if specErr != nil {
		t.Fatalf("specs: %v", specErr)
	}
	return specVal
}

// requireSpec skips the test when the specs are absent.
func requireSpec(t testing.TB) *apiSpec {
	t.Helper()
	s := loadSpec(t)
	if s == nil {
		t.Skip("shared/specs not found above the working directory; spec checks skipped")
	}
	return s
}

func parseSpecs(dir string) (*apiSpec, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "telegram-bot-api.json"))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Methods map[string]specObject `json:"methods"`
		Types   map[string]specObject `json:"types"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("telegram-bot-api.json: %w", err)
	}
	s := &apiSpec{methods: map[string]specObject{}, types: doc.Types, limits: map[string]map[string]specLimit{}}
	for name, m := range doc.Methods {
		s.methods[strings.ToLower(name)] = m
	}
	if err := s.parseLimits(filepath.Join(dir, "telegram-limits-derived.tsv")); err != nil {
		return nil, err
	}
	if err := s.parseTags(filepath.Join(dir, "telegram-formatting-options.md")); err != nil {
		return nil, err
	}
	return s, nil
}

var (
	rangeRE  = regexp.MustCompile(`(?i)^(\d+)-(\d+) (characters|bytes)$`)
	upToRE   = regexp.MustCompile(`(?i)^up to (\d+) (characters|bytes)$`)
	atMostRE = regexp.MustCompile(`(?i)^at most (\d+) \w+ can be specified$`)
)

func (s *apiSpec) parseLimits(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		cols := strings.Split(sc.Text(), "\t")
		if first || len(cols) < 6 {
			continue
		}
		owner, field, phrase := cols[1], cols[2], strings.TrimSpace(cols[5])
		var l specLimit
		if m := rangeRE.FindStringSubmatch(phrase); m != nil {
			l.Min, _ = strconv.Atoi(m[1])
			l.Max, _ = strconv.Atoi(m[2])
			l.Unit = strings.ToLower(m[3])
		} else if m := upToRE.FindStringSubmatch(phrase); m != nil {
			l.Max, _ = strconv.Atoi(m[1])
			l.Unit = strings.ToLower(m[2])
		} else if m := atMostRE.FindStringSubmatch(phrase); m != nil {
			l.Max, _ = strconv.Atoi(m[1])
			l.Unit = "items"
		} else {
			continue
		}
		l.Phrase = phrase
		if s.limits[owner] == nil {
			s.limits[owner] = map[string]specLimit{}
		}
		s.limits[owner][field] = l
	}
	return sc.Err()
}

// parseTags reads the supported tags and attributes from the example block
// of the "HTML style" section.
func (s *apiSpec) parseTags(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(raw)
	i := strings.Index(text, "##### HTML style")
	if i < 0 {
		return fmt.Errorf("%s: no HTML style section", path)
	}
	text = text[i:]
	start := strings.Index(text, "```")
	end := strings.Index(text[start+3:], "```")
	if start < 0 || end < 0 {
		return fmt.Errorf("%s: no HTML example block", path)
	}
	block := text[start+3 : start+3+end]
	s.tags = map[string]map[string]bool{}
	tagRE := regexp.MustCompile(`<([a-z][a-z-]*)([^>]*)>`)
	attrRE := regexp.MustCompile(`([a-z][a-z-]*)(?:="[^"]*")?`)
	for _, m := range tagRE.FindAllStringSubmatch(block, -1) {
		if s.tags[m[1]] == nil {
			s.tags[m[1]] = map[string]bool{}
		}
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			s.tags[m[1]][a[1]] = true
		}
	}
	if len(s.tags) < 10 {
		return fmt.Errorf("%s: found only %d tags", path, len(s.tags))
	}
	return nil
}

// checkHTML validates a text in HTML parse mode and returns what it shows.
func (s *apiSpec) checkHTML(text string) (visible string, problems []string) {
	var out strings.Builder
	var stack []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	entityRE := regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);`)
	attrRE := regexp.MustCompile(`^\s+([a-z-]+)(?:="([^"<>]*)")?`)
	for i := 0; i < len(text); {
		switch c := text[i]; c {
		case '<':
			end := strings.IndexByte(text[i:], '>')
			if end < 0 {
				add("unescaped < at byte %d", i)
				out.WriteByte('<')
				i++
				continue
			}
			tag := text[i+1 : i+end]
			i += end + 1
			if strings.HasPrefix(tag, "/") {
				name := tag[1:]
				if len(stack) == 0 || stack[len(stack)-1] != name {
					add("closing </%s> does not match open tags %v", name, stack)
					continue
				}
				stack = stack[:len(stack)-1]
				continue
			}
			name := tag
			rest := ""
			if sp := strings.IndexAny(tag, " \t\n"); sp >= 0 {
				name, rest = tag[:sp], tag[sp:]
			}
			allowed, ok := s.tags[name]
			if !ok {
				add("tag <%s> is not supported", name)
			}
			for rest != "" {
				m := attrRE.FindStringSubmatch(rest)
				if m == nil {
					if strings.TrimSpace(rest) != "" {
						add("malformed attributes in <%s>: %q", tag, rest)
					}
					break
				}
				if !allowed[m[1]] {
					add("attribute %s is not allowed on <%s>", m[1], name)
				}
				if strings.Contains(m[2], "&") {
					if v := html.UnescapeString(m[2]); strings.Contains(v, "&") && !strings.Contains(m[2], "&amp;") {
						add("unescaped & in attribute of <%s>", name)
					}
				}
				rest = rest[len(m[0]):]
			}
			for _, open := range stack {
				if open == "blockquote" && name == "blockquote" {
					add("blockquote nested in blockquote")
				}
				if (open == "pre" && name != "code") || open == "code" {
					add("<%s> inside <%s>", name, open)
				}
			}
			stack = append(stack, name)
		case '>':
			add("unescaped > at byte %d", i)
			out.WriteByte('>')
			i++
		case '&':
			m := entityRE.FindString(text[i:])
			if m == "" {
				add("unescaped or unsupported entity at byte %d: %.10q", i, text[i:])
				out.WriteByte('&')
				i++
				continue
			}
			out.WriteString(html.UnescapeString(m))
			i += len(m)
		default:
			out.WriteByte(c)
			i++
		}
	}
	if len(stack) > 0 {
		add("tags left open: %v", stack)
	}
	return out.String(), problems
}

func utf16Count(s string) int { return len(utf16.Encode([]rune(s))) }

// checkLimit checks one value against the limit for owner.field, if any.
func (s *apiSpec) checkLimit(owner, field string, value any, htmlMode bool) []string {
	l, ok := s.limits[owner][field]
	if !ok {
		return nil
	}
	var n int
	switch l.Unit {
	case "items":
		arr, ok := value.([]any)
		if !ok {
			return nil
		}
		n = len(arr)
	default:
		str, ok := value.(string)
		if !ok {
			return nil
		}
		if l.Unit == "bytes" {
			n = len(str)
		} else {
			if htmlMode {
				str, _ = s.checkHTML(str)
			}
			n = utf16Count(str)
		}
	}
	if n < l.Min || n > l.Max {
		return []string{fmt.Sprintf("%s.%s has %d %s, limit %q", owner, field, n, l.Unit, l.Phrase)}
	}
	return nil
}

// checkCall validates one request: the method exists, required
// parameters are present, none is unknown, values have the declared types
// (objects checked field by field, recursively) and sizes, and HTML texts
// follow the formatting rules.
func (s *apiSpec) checkCall(c apiCall) []string {
	m, ok := s.methods[strings.ToLower(c.Method)]
	if !ok {
		return []string{"unknown method " + c.Method}
	}
	var problems []string
	fields := map[string]specField{}
	for _, f := range m.Fields {
		fields[f.Name] = f
		_, inParams := c.Params[f.Name]
		_, inFiles := c.Files[f.Name]
		if f.Required && !inParams && !inFiles {
			problems = append(problems, fmt.Sprintf("%s: required parameter %s missing", c.Method, f.Name))
		}
	}
	htmlMode := strings.EqualFold(c.Params["parse_mode"], "HTML")
	for name := range c.Files {
		f, ok := fields[name]
		if !ok {
			// An attach:// upload is named by another parameter.
			if !strings.Contains(strings.Join(mapValues(c.Params), " "), "attach://"+name) {
				problems = append(problems, fmt.Sprintf("%s: unknown file parameter %s", c.Method, name))
			}
			continue
		}
		if !contains(f.Types, "InputFile") {
			problems = append(problems, fmt.Sprintf("%s: %s is not a file parameter", c.Method, name))
		}
	}
	for name, raw := range c.Params {
		f, ok := fields[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: unknown parameter %s", c.Method, name))
			continue
		}
		v, err := decodeParam(f.Types, raw)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s.%s: %v", c.Method, name, err))
			continue
		}
		problems = append(problems, s.checkValue(f.Types, v, c.Method+"."+name)...)
		problems = append(problems, s.checkLimit(m.Name, name, v, htmlMode && (name == "text" || name == "caption"))...)
		if htmlMode && (name == "text" || name == "caption") {
			if str, ok := v.(string); ok {
				_, hp := s.checkHTML(str)
				for _, p := range hp {
					problems = append(problems, c.Method+"."+name+": "+p)
				}
			}
		}
	}
	return problems
}

// decodeParam reads a form value as the JSON value it stands for: strings
// are sent bare, everything else JSON-encoded.
func decodeParam(types []string, raw string) (any, error) {
	if contains(types, "String") {
		return raw, nil
	}
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		if contains(types, "InputFile") {
			return raw, nil // a file_id or URL
		}
		return nil, fmt.Errorf("%q is not JSON for %v", raw, types)
	}
	return v, nil
}

// checkValue reports problems if v matches none of types.
func (s *apiSpec) checkValue(types []string, v any, path string) []string {
	var first []string
	for _, typ := range types {
		p := s.checkType(typ, v, path)
		if len(p) == 0 {
			return nil
		}
		if first == nil {
			first = p
		}
	}
	return first
}

func (s *apiSpec) checkType(typ string, v any, path string) []string {
	bad := func() []string { return []string{fmt.Sprintf("%s: %v is not %s", path, v, typ)} }
	if inner, ok := strings.CutPrefix(typ, "Array of "); ok {
		arr, ok := v.([]any)
		if !ok {
			return bad()
		}
		var problems []string
		for i, e := range arr {
			problems = append(problems, s.checkType(inner, e, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return problems
	}
	switch typ {
	case "String", "InputFile":
		if _, ok := v.(string); !ok {
			return bad()
		}
		return nil
	case "Integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			if str, ok := v.(string); !ok || !isInt(str) {
				return bad()
			}
		}
		return nil
	case "Float":
		if _, ok := v.(float64); !ok {
			return bad()
		}
		return nil
	case "Boolean", "True":
		if _, ok := v.(bool); !ok {
			if str, ok := v.(string); !ok || (str != "true" && str != "false") {
				return bad()
			}
		}
		return nil
	}
	obj, ok := s.types[typ]
	if !ok {
		return []string{fmt.Sprintf("%s: unknown type %s", path, typ)}
	}
	if len(obj.Subtypes) > 0 {
		return s.checkValue(obj.Subtypes, v, path)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return bad()
	}
	var problems []string
	fields := map[string]specField{}
	for _, f := range obj.Fields {
		fields[f.Name] = f
		if _, ok := m[f.Name]; f.Required && !ok {
			problems = append(problems, fmt.Sprintf("%s: %s requires %s", path, typ, f.Name))
		}
	}
	htmlMode := m["parse_mode"] == "HTML"
	for k, val := range m {
		f, ok := fields[k]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: %s has no field %s", path, typ, k))
			continue
		}
		if k == "type" {
			if i := strings.LastIndex(f.Description, "must be "); i >= 0 {
				words := strings.Fields(f.Description[i+len("must be "):])
				if len(words) > 0 && words[0] != "one" {
					if want := strings.Trim(words[0], ".,\"“”"); val != want {
						problems = append(problems, fmt.Sprintf("%s: %s.type is %v, must be %s", path, typ, val, want))
					}
				}
			}
			continue
		}
		problems = append(problems, s.checkValue(f.Types, val, path+"."+k)...)
		isText := k == "message_text" || k == "text" || k == "caption"
		problems = append(problems, s.checkLimit(typ, k, val, htmlMode && isText)...)
		if htmlMode && isText {
			if str, ok := val.(string); ok {
				_, hp := s.checkHTML(str)
				for _, p := range hp {
					problems = append(problems, path+"."+k+": "+p)
				}
			}
		}
	}
	return problems
}

func isInt(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestSpecCheckerCatchesViolations keeps the checker honest: each of these
// requests breaks one rule and must be flagged.
func TestSpecCheckerCatchesViolations(t *testing.T) {
	s := requireSpec(t)
	long := strings.Repeat("a", 4097)
	tests := []struct {
		name string
		call apiCall
	}{
		{"unknown method", apiCall{Method: "sendMesage", Params: map[string]string{"chat_id": "1", "text": "x"}}},
		{"missing required", apiCall{Method: "sendMessage", Params: map[string]string{"text": "x"}}},
		{"unknown parameter", apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "1", "text": "x", "colour": "red"}}},
		{"text too long", apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "1", "text": long}}},
		{"empty text", apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "1", "text": ""}}},
		{"bad tag", apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "1", "text": "<div>x</div>", "parse_mode": "HTML"}}},
		{"unbalanced", apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "1", "text": "<b>x", "parse_mode": "HTML"}}},
		{"unescaped <", apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "1", "text": "a < b", "parse_mode": "HTML"}}},
		{"named entity", apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "1", "text": "&nbsp;", "parse_mode": "HTML"}}},
		{"nested blockquote", apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "1", "text": "<blockquote><blockquote>x</blockquote></blockquote>", "parse_mode": "HTML"}}},
		{"callback data too long", apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "1", "text": "x",
			"reply_markup": `{"inline_keyboard":[[{"text":"b","callback_data":"` + strings.Repeat("z", 65) + `"}]]}`}}},
		{"unknown button field", apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "1", "text": "x",
			"reply_markup": `{"inline_keyboard":[[{"text":"b","callback":"m:1"}]]}`}}},
		{"article without title", apiCall{Method: "answerInlineQuery", Params: map[string]string{"inline_query_id": "1",
			"results": `[{"type":"article","id":"1","input_message_content":{"message_text":"x"}}]`}}},
		{"bad command name", apiCall{Method: "setMyCommands", Params: map[string]string{"commands": `[{"command":"` + strings.Repeat("a", 33) + `","description":"d"}]`}}},
		{"integer expected", apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "1", "text": "x", "message_thread_id": "abc"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.checkCall(tt.call); len(got) == 0 {
				t.Errorf("checkCall(%+v) found nothing wrong", tt.call)
			}
		})
	}
	ok := apiCall{Method: "sendMessage", Params: map[string]string{"chat_id": "-100", "text": "<b>a &amp; b</b> &lt;3 &#128512;", "parse_mode": "HTML",
		"reply_markup": `{"inline_keyboard":[[{"text":"More","callback_data":"m:1.2"}]]}`, "link_preview_options": `{"is_disabled":true}`}}
	if got := s.checkCall(ok); len(got) > 0 {
		t.Errorf("checkCall(valid request) = %v, want no problems", got)
	}
}

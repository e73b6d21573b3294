package answers

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// decodeLines are lines decodeRecord must read as encoding/json does, or
// leave to it.
var decodeLines = []string{
	`{"speaker":"George Brooks","speaker_aliases":["Brooks"],"speaker_role":"Union president","text":"Says line.","kind":"paraphrase","said_on":"2010-07-29","topics":["elections","coronavirus"],"context":"an interview","source":{"outlet":"Metro Courier"}}`,
	`{"id":12,"speaker":"A","text":"x","retired":true,"source":{"outlet":"O","title":"T","url":"https://e.com/1","published_on":"2024-06","note":"n"}}`,
	` { "speaker" : "A" , "text" : "tab\there \"q\" \\ \/ \n" , "topics" : [ ] , "speaker_aliases":[] } `,
	`{"speaker":"A","text":"\u00e9\ud83d\ude00"}`,
	`{"Speaker":"A","text":"x"}`,
	`{"speaker":"A","text":"x","text":"y"}`,
	`{"speaker":"A","text":null}`,
	`{"id":1.5,"speaker":"A","text":"x"}`,
	`{"id":01,"speaker":"A","text":"x"}`,
	`{"id":-0,"speaker":"A","text":"x"}`,
	`{"id":99999999999999999999,"speaker":"A","text":"x"}`,
	`{"speaker":"A","text":"x","said_on":"2024-13"}`,
	`{"speaker":"A","text":"x","said_on":""}`,
	`{"speaker":"A","text":"x"} {"speaker":"B"}`,
	`{"speaker":"A","text":"x"}}`,
	`{"speaker":"A","text":"x",}`,
	`{"speaker":"A","text":"x","colour":1}`,
	`{"speaker":"A","text":"x","source":{"outlet":"a","outlet":"b"}}`,
	`{"speaker":"A","text":"x","retired":false}`,
	`{"speaker":"A","text":"x","retired":tru}`,
	`{"speaker":"A","text":"x","topics":["a",]}`,
	`{"speaker":"A","text":"x","kind":"quote"`,
	`{}`,
}

// TestDecodeRecordAgreesWithEncodingJSON: whatever the fast path accepts
// decodes to exactly what encoding/json makes of it.
func TestDecodeRecordAgreesWithEncodingJSON(t *testing.T) {
	fast := 0
	for _, line := range decodeLines {
		if checkDecode(t, []byte(line)) {
			fast++
		}
	}
	if fast < 4 {
		t.Errorf("the fast path took %d lines, want the ordinary ones", fast)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	for _, line := range decodeLines {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, b) })
}

// checkDecode compares decodeRecord with encoding/json on b and reports
// whether the fast path took it.
func checkDecode(t *testing.T, b []byte) bool {
	t.Helper()
	var got Record
	if !utf8.Valid(b) || !decodeRecord(b, &got) { // ParseRecord checks UTF-8 first
		return false
	}
	var want Record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&want); err != nil || dec.More() {
		t.Fatalf("fast path accepted %q, encoding/json: %v", b, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nfast %+v\nwant %+v", b, got, want)
	}
	return true
}

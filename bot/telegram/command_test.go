package telegram

import (
	"testing"

	"github.com/go-telegram/bot/models"
)

func TestParseCommand(t *testing.T) {
	cmd := func(off, n int) []models.MessageEntity {
		return []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: off, Length: n}}
	}
	tests := []struct {
		name     string
		text     string
		entities []models.MessageEntity
		want     command
		ok       bool
	}{
		{"plain", "/ask peace?", cmd(0, 4), command{"ask", "", "peace?"}, true},
		{"addressed", "/ask@OnRecordBot peace?", cmd(0, 16), command{"ask", "OnRecordBot", "peace?"}, true},
		{"upper case", "/ASK peace", cmd(0, 4), command{"ask", "", "peace"}, true},
		{"no argument", "/speakers", cmd(0, 9), command{"speakers", "", ""}, true},
		{"multi-line argument", "/ask line one\nline two", cmd(0, 4), command{"ask", "", "line one\nline two"}, true},
		// "Привет! " is 8 UTF-16 units but 14 bytes: byte slicing would
		// cut the command in half.
		{"Cyrillic before", "Привет! /ask мир", cmd(8, 4), command{"ask", "", "мир"}, true},
		// 👋 is a surrogate pair (2 units), 🏽 another, 🇺🇦 two more.
		{"emoji before", "👋🏽🇺🇦 /source@OnRecordBot 3", cmd(9, 19), command{"source", "OnRecordBot", "3"}, true},
		{"emoji in argument", "/ask 🕊️ peace", cmd(0, 4), command{"ask", "", "🕊️ peace"}, true},
		{"no entities, leading slash", "/help ask", nil, command{"help", "", "ask"}, true},
		{"no command", "what did Lavrov say?", nil, command{}, false},
		{"only a mention", "@OnRecordBot hi", []models.MessageEntity{{Type: models.MessageEntityTypeMention, Offset: 0, Length: 12}}, command{}, false},
		{"entity out of range", "/a", cmd(0, 40), command{}, false},
		{"slash alone", "/", nil, command{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseCommand(tt.text, tt.entities)
			if ok != tt.ok || got != tt.want {
				t.Errorf("parseCommand(%q) = %+v, %v; want %+v, %v", tt.text, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestEntitiesHelper checks the test's own entity builder against offsets
// worked out by hand, since every routing test relies on it.
func TestEntitiesHelper(t *testing.T) {
	got := entities("👋🏽🇺🇦 /source@OnRecordBot 3")
	if len(got) != 1 || got[0]["offset"] != 9 || got[0]["length"] != 19 {
		t.Errorf("entities = %v, want one bot_command at 9 of length 19", got)
	}
}

func TestStripMention(t *testing.T) {
	mention := func(off, n int) models.MessageEntity {
		return models.MessageEntity{Type: models.MessageEntityTypeMention, Offset: off, Length: n}
	}
	tests := []struct {
		name     string
		text     string
		entities []models.MessageEntity
		want     string
		ok       bool
	}{
		{"leading", "@OnRecordBot what did Lavrov say?", []models.MessageEntity{mention(0, 12)}, "what did Lavrov say?", true},
		{"case-insensitive", "hey @onrecordbot, peace?", []models.MessageEntity{mention(4, 12)}, "hey , peace?", true},
		{"after Cyrillic", "Скажи @OnRecordBot про мир", []models.MessageEntity{mention(6, 12)}, "Скажи про мир", true},
		{"after emoji", "🕊️ @OnRecordBot peace", []models.MessageEntity{mention(4, 12)}, "🕊️ peace", true},
		{"twice", "@OnRecordBot @OnRecordBot x", []models.MessageEntity{mention(0, 12), mention(13, 12)}, "x", true},
		{"someone else", "@alice peace", []models.MessageEntity{mention(0, 6)}, "", false},
		{"text without entity", "@OnRecordBot peace", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := stripMention(tt.text, tt.entities, "OnRecordBot")
			if ok != tt.ok || got != tt.want {
				t.Errorf("stripMention(%q) = %q, %v; want %q, %v", tt.text, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestUTF16Len(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0}, {"abc", 3}, {"мир", 3}, {"👋", 2}, {"🇺🇦", 4}, {"a\xffb", 3},
	}
	for _, tt := range tests {
		if got := utf16Len(tt.s); got != tt.want {
			t.Errorf("utf16Len(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

package answers

import (
	"context"
)

// Engine answers questions from an Index. It is safe for concurrent use.
type Engine struct {
	index Index
}

// NewEngine returns an Engine over index.
func NewEngine(index Index) *Engine {
	return &Engine{index: index}
}

// MaxQuestionLen bounds a question, in bytes.
const MaxQuestionLen = 1000

// Ask answers one question.
func (e *Engine) Ask(ctx context.Context, question string) (*Reply, error) {
	return &Reply{Question: question}, nil
}

// Statement returns one statement by id, retired or not.
func (e *Engine) Statement(ctx context.Context, id int64) (*Statement, error) {
	return e.index.Statement(ctx, id)
}

// Speakers lists the speakers on record.
func (e *Engine) Speakers(ctx context.Context) ([]Speaker, error) {
	return e.index.Speakers(ctx)
}

// SpeakerStatements finds the speaker a user means by name (surname, alias,
// title or a misspelling) and returns their latest live statements.
func (e *Engine) SpeakerStatements(ctx context.Context, name string, limit int) (*Speaker, []Statement, error) {
	return nil, nil, Errorf(ENotFound, "No speaker on record matches %q.", name)
}

// SuggestSpeakers returns up to n speakers whose name or aliases match what
// the user has typed so far, best first (for autocomplete).
func (e *Engine) SuggestSpeakers(ctx context.Context, typed string, n int) ([]Speaker, error) {
	return nil, nil
}

// Suggest returns up to n statements matching a partly typed question,
// best first (for autocomplete). It does not abstain.
func (e *Engine) Suggest(ctx context.Context, typed string, n int) ([]Answer, error) {
	return nil, nil
}

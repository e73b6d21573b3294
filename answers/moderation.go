package answers

import (
	"context"
	"io"
	"strings"
	"time"
)

// Moderation is everything moderators change, and the record of it. Every
// change is one transaction that also writes a revision and an audit row;
// nothing is deleted outright. Package store implements it.
type Moderation interface {
	// Role returns the moderator role of a platform user, or "" for none.
	Role(ctx context.Context, platform, userID string) (Role, error)
	Moderators(ctx context.Context) ([]Moderator, error)
	// SetModerator adds or changes a moderator; RemoveModerator demotes one.
	SetModerator(ctx context.Context, m Moderator, actor string) error
	RemoveModerator(ctx context.Context, platform, userID, actor string) error
	// EnsureOwners makes the configured owners owners, adding them if new.
	EnsureOwners(ctx context.Context, owners []Moderator) error

	// AddStatement writes a new statement for an existing speaker (or a
	// new one when create is true) and returns it with its id.
	AddStatement(ctx context.Context, st Statement, create bool, actor string) (*Statement, error)
	// UpdateStatement applies a patch to a statement whose revision is
	// still rev (0 skips the check) and returns the result.
	UpdateStatement(ctx context.Context, id int64, rev int, patch StatementPatch, actor string) (*Statement, error)
	History(ctx context.Context, id int64) ([]Revision, error)
	// Revert makes revision rev of a statement current again, as a new
	// revision.
	Revert(ctx context.Context, id int64, rev int, actor string) (*Statement, error)
	// Undo takes back the last change to a statement, as a new revision,
	// in one transaction, and returns the revision it went back to.
	Undo(ctx context.Context, id int64, actor string) (*Statement, int, error)
	Audit(ctx context.Context, limit int) ([]AuditEntry, error)

	RenameSpeaker(ctx context.Context, id int64, name, actor string) error
	SetSpeakerRole(ctx context.Context, id int64, role, actor string) error
	AddAlias(ctx context.Context, id int64, alias, actor string) error
	RemoveAlias(ctx context.Context, id int64, alias, actor string) error
	// MergeSpeakers moves every statement and alias of from to into, keeps
	// from's name as an alias, and removes from.
	MergeSpeakers(ctx context.Context, from, into int64, actor string) error

	AddSynonyms(ctx context.Context, terms []string, actor string) (int64, error)
	RemoveSynonyms(ctx context.Context, id int64, actor string) error
	SynonymGroups(ctx context.Context) ([]SynonymGroup, error)

	AddReport(ctx context.Context, r Report) (int64, error)
	Reports(ctx context.Context, openOnly bool) ([]Report, error)
	CloseReport(ctx context.Context, id int64, resolution, actor string) error

	Import(ctx context.Context, r io.Reader, actor string) (ImportResult, error)
	Export(ctx context.Context, w io.Writer) error
}

// Role is a moderator's standing.
type Role string

const (
	RoleModerator Role = "moderator"
	RoleOwner     Role = "owner"
)

// Moderator is a platform user with rights over the store.
type Moderator struct {
	Platform string    `json:"platform"`
	UserID   string    `json:"user_id"`
	Name     string    `json:"name,omitempty"`
	Role     Role      `json:"role"`
	AddedBy  string    `json:"added_by,omitempty"`
	AddedAt  time.Time `json:"added_at"`
}

// StatementPatch is an edit: nil fields are left as they are.
type StatementPatch struct {
	Speaker     *string
	SpeakerRole *string
	Text        *string
	Kind        *Kind
	SaidOn      *Date
	SaidWhen    *string
	Topics      *[]string
	Context     *string
	Outlet      *string
	Title       *string
	URL         *string
	PublishedOn *Date
	SourceNote  *string
	Retired     *bool
}

// Apply returns st with the patch applied.
func (p StatementPatch) Apply(st Statement) Statement {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&st.Speaker, p.Speaker)
	set(&st.SpeakerRole, p.SpeakerRole)
	set(&st.Text, p.Text)
	set(&st.SaidWhen, p.SaidWhen)
	set(&st.Context, p.Context)
	set(&st.Source.Outlet, p.Outlet)
	set(&st.Source.Title, p.Title)
	set(&st.Source.URL, p.URL)
	set(&st.Source.Note, p.SourceNote)
	if p.Kind != nil {
		st.Kind = *p.Kind
	}
	if p.SaidOn != nil {
		st.SaidOn = *p.SaidOn
	}
	if p.PublishedOn != nil {
		st.Source.PublishedOn = *p.PublishedOn
	}
	if p.Topics != nil {
		st.Topics = append([]string(nil), (*p.Topics)...)
	}
	if p.Retired != nil {
		st.Retired = *p.Retired
	}
	return st
}

// Revision is a statement as it stood after one change.
type Revision struct {
	Rev       int       `json:"rev"`
	Action    string    `json:"action"`
	Actor     string    `json:"actor"`
	At        time.Time `json:"at"`
	Statement Statement `json:"statement"`
}

// AuditEntry is one moderator action anywhere in the store.
type AuditEntry struct {
	ID     int64     `json:"id"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail"`
	At     time.Time `json:"at"`
}

// SynonymGroup is a curated group of interchangeable terms.
type SynonymGroup struct {
	ID    int64    `json:"id"`
	Terms []string `json:"terms"`
}

// Report is a user's note that a statement is misattributed or outdated.
type Report struct {
	ID          int64     `json:"id"`
	StatementID int64     `json:"statement_id"`
	Platform    string    `json:"platform"`
	UserID      string    `json:"user_id"`
	UserName    string    `json:"user_name,omitempty"`
	Reason      string    `json:"reason"`
	Open        bool      `json:"open"`
	Resolution  string    `json:"resolution,omitempty"`
	ClosedBy    string    `json:"closed_by,omitempty"`
	At          time.Time `json:"at"`
}

// ImportResult counts what an import changed.
type ImportResult struct {
	Added, Updated, Unchanged int
}

func (r ImportResult) String() string {
	return fmtCounts(r.Added, r.Updated, r.Unchanged)
}

// Diff names the fields that differ between two versions of a statement.
func Diff(a, b Statement) []string {
	var f []string
	add := func(name string, changed bool) {
		if changed {
			f = append(f, name)
		}
	}
	add("speaker", a.Speaker != b.Speaker)
	add("speaker_role", a.SpeakerRole != b.SpeakerRole)
	add("text", a.Text != b.Text)
	add("kind", a.Kind != b.Kind)
	add("said_on", a.SaidOn != b.SaidOn)
	add("said_when", a.SaidWhen != b.SaidWhen)
	add("topics", strings.Join(a.Topics, "\x00") != strings.Join(b.Topics, "\x00"))
	add("context", a.Context != b.Context)
	add("source", a.Source != b.Source)
	add("retired", a.Retired != b.Retired)
	return f
}

// NearDuplicate reports whether two statement texts say the same thing in
// nearly the same words: after case, punctuation, stop words and word
// endings are set aside, at most one word in ten differs (inserted,
// dropped or replaced), and never more than three.
func NearDuplicate(a, b string) bool {
	x, y := Terms(a), Terms(b)
	if len(x) == 0 || len(y) == 0 {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	allowed := min(3, max(len(x), len(y))/10)
	if d := len(x) - len(y); d > allowed || -d > allowed {
		return false
	}
	// Word-level edit distance, one row at a time.
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(y)] <= allowed
}

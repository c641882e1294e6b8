package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"dialdesk/audit"
	"dialdesk/internal/qa"
	"dialdesk/store"
	"dialdesk/views"
)

// Scorecards (评分表, admins): criteria in groups, points or pass/fail,
// critical ones, a pass mark. Editing a scorecard a review was scored on
// makes a new version (store.UpdateScorecard).

// scorecardForm is the scorecard form as typed: a name, a pass mark, and
// rows of criteria (c0_name, c0_group, …; a row without a name is skipped).
type scorecardForm struct {
	Name     string
	PassMark string
	Rows     []views.CriterionRowVM
}

// scorecardRows is how many criterion rows the form offers beyond the
// scorecard's own.
const scorecardRows = 4

// maxCriteria bounds a scorecard.
const maxCriteria = 30

func readScorecardForm(r *http.Request) scorecardForm {
	f := scorecardForm{Name: trimTo(strings.TrimSpace(r.PostForm.Get("name")), 100),
		PassMark: trimTo(strings.TrimSpace(r.PostForm.Get("pass_mark")), 10)}
	for i := range maxCriteria {
		p := "c" + strconv.Itoa(i) + "_"
		g := func(k string, n int) string { return trimTo(strings.TrimSpace(r.PostForm.Get(p+k)), n) }
		row := views.CriterionRowVM{Key: g("key", 20), Group: g("group", 50), Name: g("name", 100), Desc: g("desc", 300),
			Kind: g("kind", 10), Points: g("points", 5), Critical: r.PostForm.Get(p+"critical") == "1"}
		if row.Name == "" && row.Desc == "" {
			continue
		}
		f.Rows = append(f.Rows, row)
	}
	return f
}

// Validate returns the scorecard and a message per field ("name", "pass",
// "criteria").
func (f scorecardForm) Validate(ctx context.Context) (qa.Scorecard, map[string]string) {
	errs := map[string]string{}
	if f.Name == "" {
		errs["name"] = views.T(ctx, "qa.card.err.name")
	}
	var card qa.Scorecard
	used := map[string]bool{}
	for _, row := range f.Rows {
		used[row.Key] = true
	}
	next := 1
	for _, row := range f.Rows {
		pts, err := strconv.Atoi(row.Points)
		if err != nil {
			pts = -1
		}
		kind := qa.KindPoints
		if row.Kind == qa.KindPass {
			kind = qa.KindPass
		}
		key := row.Key
		if key == "" {
			for used["k"+strconv.Itoa(next)] {
				next++
			}
			key = "k" + strconv.Itoa(next)
			used[key] = true
		}
		card.Criteria = append(card.Criteria, qa.Criterion{Key: key, Group: row.Group, Name: row.Name, Desc: row.Desc,
			Kind: kind, Points: pts, Critical: row.Critical})
	}
	pm, err := strconv.Atoi(f.PassMark)
	if err != nil {
		errs["pass"] = views.T(ctx, qa.ProblemPassMark)
	}
	card.PassMark = pm
	if p := card.Check(); p != "" {
		if p == qa.ProblemPassMark {
			errs["pass"] = views.T(ctx, p)
		} else {
			errs["criteria"] = views.T(ctx, p)
		}
	}
	return card, errs
}

func cardForm(name string, card qa.Scorecard) scorecardForm {
	f := scorecardForm{Name: name, PassMark: strconv.Itoa(card.PassMark)}
	for _, c := range card.Criteria {
		f.Rows = append(f.Rows, views.CriterionRowVM{Key: c.Key, Group: c.Group, Name: c.Name, Desc: c.Desc, Kind: c.Kind,
			Points: strconv.Itoa(c.Points), Critical: c.Critical})
	}
	return f
}

func (s *Server) scorecardFormView(f scorecardForm, action string, errs map[string]string) views.ScorecardFormVM {
	rows := f.Rows
	for len(rows) < len(f.Rows)+scorecardRows && len(rows) < maxCriteria {
		rows = append(rows, views.CriterionRowVM{Kind: qa.KindPoints})
	}
	return views.ScorecardFormVM{Action: action, Name: f.Name, PassMark: f.PassMark, Rows: rows, Errors: errs}
}

// scorecardsPage serves GET /qa/scorecards: every scorecard, and the form
// of a new one.
func (s *Server) scorecardsPage(w http.ResponseWriter, r *http.Request) error {
	cards, err := s.store.Scorecards(r.Context())
	if err != nil {
		return err
	}
	v := views.ScorecardsVM{New: s.scorecardFormView(scorecardForm{PassMark: "60"}, "/qa/scorecards", nil)}
	for _, c := range cards {
		v.Cards = append(v.Cards, scorecardRow(r.Context(), c))
	}
	return s.render(w, r, http.StatusOK, views.ScorecardsPage(s.page(w, r, "qa", "qa.cards"), v))
}

func scorecardRow(ctx context.Context, c store.Scorecard) views.ScorecardRowVM {
	return views.ScorecardRowVM{ID: c.ID, URL: "/qa/scorecards/" + strconv.FormatInt(c.ID, 10), Name: c.Name,
		Version: c.Version, Criteria: len(c.Card.Criteria), Total: c.Card.Total(), PassMark: c.Card.PassMark,
		Updated: views.When(ctx, c.UpdatedAt)}
}

// scorecardCreate serves POST /qa/scorecards.
func (s *Server) scorecardCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	f := readScorecardForm(r)
	card, errs := f.Validate(ctx)
	if len(errs) > 0 {
		cards, err := s.store.Scorecards(ctx)
		if err != nil {
			return err
		}
		v := views.ScorecardsVM{New: s.scorecardFormView(f, "/qa/scorecards", errs)}
		for _, c := range cards {
			v.Cards = append(v.Cards, scorecardRow(ctx, c))
		}
		return s.render(w, r, http.StatusUnprocessableEntity, views.ScorecardsPage(s.page(w, r, "qa", "qa.cards"), v))
	}
	u, _ := currentUser(r)
	id, err := s.store.CreateScorecard(ctx, f.Name, card, u.Username)
	if err != nil {
		return err
	}
	s.auditLog(r, "", audit.QAScorecardCreate, audit.Args{"scorecard": id, "name": f.Name, "criteria": len(card.Criteria)}, "")
	s.setFlash(w, r, views.T(ctx, "qa.card.saved"), false)
	return redirect(w, r, "/qa/scorecards")
}

func scorecardID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "sc"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// scorecardPage serves GET /qa/scorecards/{sc}: its form.
func (s *Server) scorecardPage(w http.ResponseWriter, r *http.Request) error {
	id, err := scorecardID(r)
	if err != nil {
		return err
	}
	c, err := s.store.GetScorecard(r.Context(), id)
	if err != nil {
		return err
	}
	v := views.ScorecardEditVM{Card: scorecardRow(r.Context(), c), Form: s.scorecardFormView(cardForm(c.Name, c.Card), r.URL.Path, nil)}
	return s.render(w, r, http.StatusOK, views.ScorecardEditPage(s.page(w, r, "qa", "qa.card.edit"), v))
}

// scorecardUpdate serves POST /qa/scorecards/{sc}: a new version when the
// current one was used by a review.
func (s *Server) scorecardUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := scorecardID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.store.GetScorecard(ctx, id)
	if err != nil {
		return err
	}
	f := readScorecardForm(r)
	card, errs := f.Validate(ctx)
	if len(errs) > 0 {
		v := views.ScorecardEditVM{Card: scorecardRow(ctx, c), Form: s.scorecardFormView(f, r.URL.Path, errs)}
		return s.render(w, r, http.StatusUnprocessableEntity, views.ScorecardEditPage(s.page(w, r, "qa", "qa.card.edit"), v))
	}
	u, _ := currentUser(r)
	newVersion, err := s.store.UpdateScorecard(ctx, id, f.Name, card, u.Username)
	if err != nil {
		return err
	}
	version := c.Version
	if newVersion {
		version++
	}
	s.auditLog(r, "", audit.QAScorecardEdit, audit.Args{"scorecard": id, "name": f.Name, "version": version}, "")
	s.setFlash(w, r, views.T(ctx, "qa.card.saved"), false)
	return redirect(w, r, "/qa/scorecards")
}

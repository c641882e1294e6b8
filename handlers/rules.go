package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"dialdesk/audit"
	"dialdesk/jobs"
	"dialdesk/store"
	"dialdesk/views"
)

// Keyword rules (质检规则, GET /rules, managers and admins): a rule flags
// the calls whose turns contain any of its words. The store checks every
// call as it arrives; saving a rule wakes the background re-check of the
// stored calls (jobs.RuleRecheck), whose progress the list shows.

// ruleColors is the palette a rule's color is chosen from (never free CSS).
var ruleColors = []struct{ Key, Hex string }{
	{"red", "#d92d20"}, {"orange", "#f79009"}, {"yellow", "#eaaa08"}, {"green", "#079455"},
	{"blue", "#1570ef"}, {"purple", "#7a5af8"}, {"grey", "#667085"},
}

func ruleColorKey(hex string) string {
	for _, c := range ruleColors {
		if strings.EqualFold(c.Hex, hex) {
			return c.Key
		}
	}
	return ""
}

// Limits of a rule.
const (
	ruleNameMax  = 30
	ruleWordsMax = 30
	ruleWordMax  = 30
)

// ruleForm is a rule as typed.
type ruleForm struct {
	Name, Words, Speaker, Task, Severity, Color string
}

func readRuleForm(r *http.Request) ruleForm {
	g := func(k string, n int) string { return trimTo(strings.TrimSpace(r.PostFormValue(k)), n) }
	return ruleForm{Name: g("name", 200), Words: g("words", 4000), Speaker: g("speaker", 10), Task: g("task", 100),
		Severity: g("severity", 10), Color: g("color", 20)}
}

func ruleFormOf(rule store.KeywordRule) ruleForm {
	f := ruleForm{Name: rule.Name, Words: strings.Join(rule.Words, "\n"), Task: rule.TaskID,
		Severity: strconv.Itoa(rule.Severity), Color: ruleColorKey(rule.Color)}
	switch rule.Speaker {
	case store.SpeakerRobot:
		f.Speaker = "robot"
	case store.SpeakerCustomer:
		f.Speaker = "customer"
	}
	return f
}

// splitWords cuts the words field at new lines and commas (either width).
func splitWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == '，' || r == '、' }) {
		if w = strings.TrimSpace(w); w != "" && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// Validate returns the rule and per field a message in the language of ctx.
func (f ruleForm) Validate(ctx context.Context, tasks []store.KnownTask) (store.KeywordRule, map[string]string) {
	errs := map[string]string{}
	r := store.KeywordRule{Name: f.Name, Words: splitWords(f.Words)}
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		errs["name"] = views.T(ctx, "rules.err.name")
	case n > ruleNameMax:
		errs["name"] = views.Tf(ctx, "rules.err.namelong", ruleNameMax)
	}
	switch {
	case len(r.Words) == 0:
		errs["words"] = views.T(ctx, "rules.err.words")
	case len(r.Words) > ruleWordsMax:
		errs["words"] = views.Tf(ctx, "rules.err.wordsmany", ruleWordsMax)
	default:
		for _, w := range r.Words {
			if utf8.RuneCountInString(w) > ruleWordMax {
				errs["words"] = views.Tf(ctx, "rules.err.wordlong", ruleWordMax)
			}
		}
	}
	switch f.Speaker {
	case "":
	case "robot":
		r.Speaker = store.SpeakerRobot
	case "customer":
		r.Speaker = store.SpeakerCustomer
	default:
		errs["speaker"] = views.T(ctx, "search.err.speaker")
	}
	if f.Task != "" {
		if !slices.ContainsFunc(tasks, func(t store.KnownTask) bool { return t.ID == f.Task }) {
			errs["task"] = views.T(ctx, "calls.all.err.task")
		}
		r.TaskID = f.Task
	}
	switch f.Severity {
	case "1", "2", "3":
		r.Severity, _ = strconv.Atoi(f.Severity)
	default:
		errs["severity"] = views.T(ctx, "rules.err.severity")
	}
	i := slices.IndexFunc(ruleColors, func(c struct{ Key, Hex string }) bool { return c.Key == f.Color })
	if i < 0 {
		errs["color"] = views.T(ctx, "rules.err.color")
	} else {
		r.Color = ruleColors[i].Hex
	}
	return r, errs
}

// rulesPage serves GET /rules: the rules with their calls and re-check
// progress, and the form of a new rule.
func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRules(w, r, http.StatusOK, ruleForm{Severity: "2", Color: "red"}, nil, 0)
}

// rulesProgress serves GET /rules/progress: the list alone, which the page
// asks for again while a re-check runs.
func (s *Server) rulesProgress(w http.ResponseWriter, r *http.Request) error {
	list, err := s.rulesList(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.RulesList(list))
}

// ruleCreate serves POST /rules: a new rule, checked at once against every
// stored call in the background.
func (s *Server) ruleCreate(w http.ResponseWriter, r *http.Request) error {
	return s.ruleSave(w, r, 0)
}

// ruleEdit serves GET /rules/{rid}: the rule's form.
func (s *Server) ruleEdit(w http.ResponseWriter, r *http.Request) error {
	rule, err := s.ruleOf(r)
	if err != nil {
		return err
	}
	return s.renderRules(w, r, http.StatusOK, ruleFormOf(rule), nil, rule.ID)
}

// ruleUpdate serves POST /rules/{rid}: the rule changed, the stored calls
// checked again.
func (s *Server) ruleUpdate(w http.ResponseWriter, r *http.Request) error {
	rule, err := s.ruleOf(r)
	if err != nil {
		return err
	}
	return s.ruleSave(w, r, rule.ID)
}

// ruleDelete serves POST /rules/{rid}/delete: the rule and its hits go.
func (s *Server) ruleDelete(w http.ResponseWriter, r *http.Request) error {
	rule, err := s.ruleOf(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteRule(r.Context(), rule.ID); err != nil {
		return err
	}
	s.auditLog(r, "", audit.RuleDelete, audit.Args{"rule": rule.ID, "name": rule.Name}, "")
	s.setFlash(w, r, views.Tf(r.Context(), "rules.deleted", rule.Name), false)
	return redirect(w, r, "/rules")
}

func (s *Server) ruleSave(w http.ResponseWriter, r *http.Request, id int64) error {
	ctx := r.Context()
	tasks, err := s.store.KnownTasks(ctx)
	if err != nil {
		return err
	}
	form := readRuleForm(r)
	rule, errs := form.Validate(ctx, tasks)
	if len(errs) > 0 {
		return s.renderRules(w, r, http.StatusUnprocessableEntity, form, errs, id)
	}
	rule.ID = id
	u, _ := currentUser(r)
	if rule.ID, err = s.store.SaveRule(ctx, rule, u.Username); err != nil {
		return err
	}
	action := audit.RuleCreate
	if id != 0 {
		action = audit.RuleEdit
	}
	s.auditLog(r, rule.TaskID, action, audit.Args{"rule": rule.ID, "name": rule.Name, "words": rule.Words}, "")
	s.jobs.Wake(jobs.RuleRecheckName)
	s.setFlash(w, r, views.Tf(ctx, "rules.saved", rule.Name), false)
	return redirect(w, r, "/rules")
}

// ruleOf reads {rid}: 404 for a bad or unknown id.
func (s *Server) ruleOf(r *http.Request) (store.KeywordRule, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "rid"), 10, 64)
	if err != nil || id <= 0 {
		return store.KeywordRule{}, errNotFound
	}
	rule, err := s.store.Rule(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return rule, errNotFound
	}
	return rule, err
}

func (s *Server) renderRules(w http.ResponseWriter, r *http.Request, status int, f ruleForm, errs map[string]string, id int64) error {
	ctx := r.Context()
	list, err := s.rulesList(ctx)
	if err != nil {
		return err
	}
	tasks, err := s.store.KnownTasks(ctx)
	if err != nil {
		return err
	}
	form := views.RuleFormVM{Name: f.Name, Words: f.Words, Speaker: f.Speaker, Task: f.Task, Severity: f.Severity,
		Color: f.Color, Errors: errs, Action: "/rules"}
	if id != 0 {
		form.Action, form.Editing = "/rules/"+strconv.FormatInt(id, 10), true
	}
	for _, t := range tasks {
		form.Tasks = append(form.Tasks, views.Option{Value: t.ID, Label: cmp.Or(t.Name, t.ID)})
	}
	for _, c := range ruleColors {
		form.Colors = append(form.Colors, views.RuleColorVM{Key: c.Key, Chip: views.NewChip(views.T(ctx, "rules.color."+c.Key), c.Hex)})
	}
	return s.render(w, r, status, views.RulesPage(s.page(w, r, "rules", "rules.title"), views.RulesVM{List: list, Form: form}))
}

// rulesList is the list of rules as shown.
func (s *Server) rulesList(ctx context.Context) (views.RulesListVM, error) {
	rules, err := s.store.Rules(ctx)
	if err != nil {
		return views.RulesListVM{}, err
	}
	counts, err := s.store.RuleCallCounts(ctx)
	if err != nil {
		return views.RulesListVM{}, err
	}
	tasks, err := s.store.KnownTasks(ctx)
	if err != nil {
		return views.RulesListVM{}, err
	}
	names := map[string]string{}
	for _, t := range tasks {
		names[t.ID] = cmp.Or(t.Name, t.ID)
	}
	var v views.RulesListVM
	for _, rule := range rules {
		row := views.RuleRowVM{ID: rule.ID, Chip: views.NewChip(rule.Name, rule.Color), Words: rule.Words,
			Speaker: rule.Speaker, Severity: rule.Severity, Calls: counts[rule.ID],
			EditURL: "/rules/" + strconv.FormatInt(rule.ID, 10), CallsURL: "/calls?rule=" + strconv.FormatInt(rule.ID, 10)}
		if rule.TaskID != "" {
			row.Task = cmp.Or(names[rule.TaskID], rule.TaskID)
		}
		if rule.Rechecking {
			row.Rechecking, row.Done, row.Total = true, rule.RecheckDone, max(rule.RecheckTotal, rule.RecheckDone)
			v.Rechecking = true
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

// ruleChips are the chips of the rules a call's hits name, in rule order.
func ruleChips(hits []store.RuleHit, rules map[int64]store.KeywordRule) []views.Chip {
	var ids []int64
	for _, h := range hits {
		if !slices.Contains(ids, h.RuleID) {
			ids = append(ids, h.RuleID)
		}
	}
	slices.Sort(ids)
	var out []views.Chip
	for _, id := range ids {
		if r, ok := rules[id]; ok {
			c := views.NewChip(r.Name, r.Color)
			c.Title = strings.Join(r.Words, "、")
			out = append(out, c)
		}
	}
	return out
}

// rulesByID reads every rule by id.
func (s *Server) rulesByID(ctx context.Context) (map[int64]store.KeywordRule, error) {
	rules, err := s.store.Rules(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]store.KeywordRule, len(rules))
	for _, r := range rules {
		out[r.ID] = r
	}
	return out, nil
}

// addRuleHits puts a stored call's rule hits on its page: the rules' chips
// among the facts, and the words marked in the turns (which the page shows
// in time order, as storedCallView sorts them).
func (s *Server) addRuleHits(ctx context.Context, v *views.CallDetailVM, c store.Call) error {
	hits, err := s.store.RuleHitsOf(ctx, []string{c.CallID})
	if err != nil || len(hits[c.CallID]) == 0 {
		return err
	}
	rules, err := s.rulesByID(ctx)
	if err != nil {
		return err
	}
	v.Rules = ruleChips(hits[c.CallID], rules)
	order := make([]int, len(c.Messages))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return c.Messages[a].At.Compare(c.Messages[b].At) })
	for pos, seq := range order {
		if pos >= len(v.Turns) {
			break
		}
		text := []rune(c.Messages[seq].Content)
		mark := make([]bool, len(text))
		marked := false
		for _, h := range hits[c.CallID] {
			if h.Seq != seq {
				continue
			}
			for k := h.Pos; k < h.Pos+utf8.RuneCountInString(h.Word) && k < len(text); k++ {
				mark[k], marked = true, true
			}
		}
		if !marked {
			continue
		}
		for i := 0; i < len(text); {
			j := i
			for j < len(text) && mark[j] == mark[i] {
				j++
			}
			v.Turns[pos].Segments = append(v.Turns[pos].Segments, views.SegmentVM{Text: string(text[i:j]), Hit: mark[i]})
			i = j
		}
	}
	return nil
}

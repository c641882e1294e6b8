package handlers

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"dialdesk/audit"
	"dialdesk/internal/qa"
	"dialdesk/jobs"
	"dialdesk/store"
	"dialdesk/views"
)

// Review plans (质检计划, managers and admins): which tasks, the daily rules
// that pick calls, the scorecard, who reviews. The sampling job
// (jobs.QASampler) runs them as calls arrive.

// planForm is the plan form as typed.
type planForm struct {
	Name, Scorecard, Mode, Amount      string
	Tasks, Levels, Reviewers, KWRules  []string
	LongerThan, EarlyHangup, ExcludeUS string
	Active                             bool
}

func readPlanForm(r *http.Request) planForm {
	g := func(k string, n int) string { return trimTo(strings.TrimSpace(r.PostForm.Get(k)), n) }
	list := func(k string) []string {
		var out []string
		for _, v := range r.PostForm[k] {
			if v = trimTo(strings.TrimSpace(v), 100); v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	return planForm{Name: g("name", 100), Scorecard: g("scorecard", 20), Mode: g("mode", 10), Amount: g("amount", 10),
		Tasks: list("task"), Levels: list("level"), Reviewers: list("reviewer"), KWRules: list("rule"),
		LongerThan: g("longer_than", 6), EarlyHangup: g("early_hangup", 6), ExcludeUS: g("exclude_under", 6),
		Active: r.PostForm.Get("active") == "1"}
}

// planChoices bounds the plan form.
type planChoices struct {
	Cards     []store.Scorecard
	Tasks     []store.KnownTask
	Levels    []string
	Reviewers []string // supervisors and admins, enabled
	Rules     []store.KeywordRule
}

func (s *Server) planChoices(ctx context.Context) (planChoices, error) {
	var c planChoices
	var err error
	if c.Cards, err = s.store.Scorecards(ctx); err != nil {
		return c, err
	}
	if c.Tasks, err = s.store.KnownTasks(ctx); err != nil {
		return c, err
	}
	c.Tasks = slices.DeleteFunc(c.Tasks, func(t store.KnownTask) bool { return t.Deleted })
	c.Levels = s.humanLevels(ctx)
	if c.Rules, err = s.store.Rules(ctx); err != nil {
		return c, err
	}
	users, err := s.store.Users(ctx)
	if err != nil {
		return c, err
	}
	for _, u := range users {
		if !u.Disabled && (u.Role == store.RoleSupervisor || u.Role == store.RoleAdmin) {
			c.Reviewers = append(c.Reviewers, u.Username)
		}
	}
	return c, nil
}

// Validate returns the plan and a message per field (name, scorecard,
// amount, tasks, levels, reviewers, seconds).
func (f planForm) Validate(ctx context.Context, c planChoices) (store.Plan, map[string]string) {
	errs := map[string]string{}
	p := store.Plan{Name: f.Name, Active: f.Active}
	if f.Name == "" {
		errs["name"] = views.T(ctx, "qa.plan.err.name")
	}
	id, _ := strconv.ParseInt(f.Scorecard, 10, 64)
	if !slices.ContainsFunc(c.Cards, func(x store.Scorecard) bool { return x.ID == id }) {
		errs["scorecard"] = views.T(ctx, "qa.plan.err.scorecard")
	}
	p.ScorecardID = id
	switch f.Mode {
	case "percent":
		v, err := strconv.ParseFloat(f.Amount, 64)
		if err != nil || v <= 0 || v > 100 {
			errs["amount"] = views.T(ctx, "qa.plan.err.percent")
		}
		p.Rules.Percent = v
	case "count":
		v, err := strconv.Atoi(f.Amount)
		if err != nil || v <= 0 || v > 10000 {
			errs["amount"] = views.T(ctx, "qa.plan.err.count")
		}
		p.Rules.Count = v
	case "none":
	default:
		errs["amount"] = views.T(ctx, "qa.plan.err.mode")
	}
	for _, t := range f.Tasks {
		if !slices.ContainsFunc(c.Tasks, func(k store.KnownTask) bool { return k.ID == t }) {
			errs["tasks"] = views.T(ctx, "qa.plan.err.task")
		}
	}
	p.Tasks = f.Tasks
	for _, l := range f.Levels {
		if !slices.Contains(c.Levels, l) {
			errs["levels"] = views.T(ctx, "qa.plan.err.level")
		}
	}
	p.Rules.AlwaysLevels = f.Levels
	for _, id := range f.KWRules {
		if !slices.ContainsFunc(c.Rules, func(r store.KeywordRule) bool { return strconv.FormatInt(r.ID, 10) == id }) {
			errs["rules"] = views.T(ctx, "qa.plan.err.rule")
		}
	}
	p.Rules.AlwaysRules = f.KWRules
	for _, u := range f.Reviewers {
		if !slices.Contains(c.Reviewers, u) {
			errs["reviewers"] = views.T(ctx, "qa.plan.err.reviewer")
		}
	}
	p.Reviewers = f.Reviewers
	secs := func(v string) int {
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 86400 {
			errs["seconds"] = views.T(ctx, "qa.plan.err.seconds")
		}
		return n
	}
	p.Rules.LongerThanS, p.Rules.EarlyHangupS, p.Rules.ExcludeUnderS = secs(f.LongerThan), secs(f.EarlyHangup), secs(f.ExcludeUS)
	return p, errs
}

func formOfPlan(p store.Plan) planForm {
	f := planForm{Name: p.Name, Scorecard: strconv.FormatInt(p.ScorecardID, 10), Tasks: p.Tasks, Levels: p.Rules.AlwaysLevels,
		Reviewers: p.Reviewers, KWRules: p.Rules.AlwaysRules, Active: p.Active, Mode: "none"}
	switch {
	case p.Rules.Percent > 0:
		f.Mode, f.Amount = "percent", strconv.FormatFloat(p.Rules.Percent, 'f', -1, 64)
	case p.Rules.Count > 0:
		f.Mode, f.Amount = "count", strconv.Itoa(p.Rules.Count)
	}
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	f.LongerThan, f.EarlyHangup, f.ExcludeUS = num(p.Rules.LongerThanS), num(p.Rules.EarlyHangupS), num(p.Rules.ExcludeUnderS)
	return f
}

func planFormView(f planForm, c planChoices, action string, errs map[string]string) views.PlanFormVM {
	v := views.PlanFormVM{Action: action, Name: f.Name, Scorecard: f.Scorecard, Mode: f.Mode, Amount: f.Amount,
		LongerThan: f.LongerThan, EarlyHangup: f.EarlyHangup, ExcludeUnder: f.ExcludeUS, Active: f.Active, Errors: errs}
	for _, card := range c.Cards {
		v.Cards = append(v.Cards, views.Option{Value: strconv.FormatInt(card.ID, 10), Label: card.Name})
	}
	for _, t := range c.Tasks {
		v.Tasks = append(v.Tasks, views.CheckVM{Value: t.ID, Label: cmp.Or(t.Name, t.ID), Checked: slices.Contains(f.Tasks, t.ID)})
	}
	for _, l := range c.Levels {
		v.Levels = append(v.Levels, views.CheckVM{Value: l, Label: l, Checked: slices.Contains(f.Levels, l)})
	}
	for _, r := range c.Rules {
		id := strconv.FormatInt(r.ID, 10)
		v.KWRules = append(v.KWRules, views.CheckVM{Value: id, Label: r.Name, Checked: slices.Contains(f.KWRules, id)})
	}
	for _, u := range c.Reviewers {
		v.Reviewers = append(v.Reviewers, views.CheckVM{Value: u, Label: u, Checked: slices.Contains(f.Reviewers, u)})
	}
	return v
}

// plansPage serves GET /qa/plans: the plans, and a new one.
func (s *Server) plansPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderPlans(w, r, http.StatusOK, planForm{Mode: "percent", Amount: "5", Active: true}, nil)
}

func (s *Server) renderPlans(w http.ResponseWriter, r *http.Request, status int, f planForm, errs map[string]string) error {
	ctx := r.Context()
	c, err := s.planChoices(ctx)
	if err != nil {
		return err
	}
	plans, err := s.store.Plans(ctx)
	if err != nil {
		return err
	}
	v := views.PlansVM{New: planFormView(f, c, "/qa/plans", errs), NoCards: len(c.Cards) == 0}
	for _, p := range plans {
		row := views.PlanRowVM{URL: "/qa/plans/" + strconv.FormatInt(p.ID, 10), Name: p.Name, Active: p.Active,
			Rule: planRuleText(ctx, p.Rules), Reviewers: p.Reviewers}
		for _, card := range c.Cards {
			if card.ID == p.ScorecardID {
				row.Scorecard = card.Name
			}
		}
		for _, t := range p.Tasks {
			i := slices.IndexFunc(c.Tasks, func(k store.KnownTask) bool { return k.ID == t })
			if i >= 0 && c.Tasks[i].Name != "" {
				t = c.Tasks[i].Name
			}
			row.Tasks = append(row.Tasks, t)
		}
		v.Plans = append(v.Plans, row)
	}
	return s.render(w, r, status, views.PlansPage(s.page(w, r, "qa", "qa.plans"), v))
}

// planRuleText words a plan's daily random rule.
func planRuleText(ctx context.Context, r qa.Rules) string {
	switch {
	case r.Percent > 0:
		return views.Tf(ctx, "qa.plan.rule.percent", strconv.FormatFloat(r.Percent, 'f', -1, 64))
	case r.Count > 0:
		return views.Tf(ctx, "qa.plan.rule.count", r.Count)
	}
	return views.T(ctx, "qa.plan.rule.none")
}

// planCreate serves POST /qa/plans.
func (s *Server) planCreate(w http.ResponseWriter, r *http.Request) error {
	return s.planSave(w, r, 0)
}

// planPage serves GET /qa/plans/{plan}: its form.
func (s *Server) planPage(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "plan"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := r.Context()
	p, err := s.store.GetPlan(ctx, id)
	if err != nil {
		return err
	}
	c, err := s.planChoices(ctx)
	if err != nil {
		return err
	}
	v := views.PlanEditVM{Name: p.Name, Form: planFormView(formOfPlan(p), c, r.URL.Path, nil)}
	return s.render(w, r, http.StatusOK, views.PlanEditPage(s.page(w, r, "qa", "qa.plan.edit"), v))
}

// planUpdate serves POST /qa/plans/{plan}.
func (s *Server) planUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "plan"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if _, err := s.store.GetPlan(r.Context(), id); err != nil {
		return err
	}
	return s.planSave(w, r, id)
}

func (s *Server) planSave(w http.ResponseWriter, r *http.Request, id int64) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.planChoices(ctx)
	if err != nil {
		return err
	}
	f := readPlanForm(r)
	p, errs := f.Validate(ctx, c)
	if len(errs) > 0 {
		if id == 0 {
			return s.renderPlans(w, r, http.StatusUnprocessableEntity, f, errs)
		}
		v := views.PlanEditVM{Name: f.Name, Form: planFormView(f, c, r.URL.Path, errs)}
		return s.render(w, r, http.StatusUnprocessableEntity, views.PlanEditPage(s.page(w, r, "qa", "qa.plan.edit"), v))
	}
	u, _ := currentUser(r)
	p.ID = id
	if p.ID, err = s.store.SavePlan(ctx, p, u.Username); err != nil {
		return err
	}
	action := audit.QAPlanEdit
	if id == 0 {
		action = audit.QAPlanCreate
	}
	s.auditLog(r, "", action, audit.Args{"plan": p.ID, "name": p.Name}, "")
	s.jobs.Wake(jobs.JobQASampling) // pick today's calls now
	s.setFlash(w, r, views.T(ctx, "qa.plan.saved"), false)
	return redirect(w, r, "/qa/plans")
}

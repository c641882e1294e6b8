package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"dialdesk/audit"
	"dialdesk/jobs"
	"dialdesk/store"
	"dialdesk/views"
)

// The call warehouse's admin pages: GET /sync shows each task's sync state
// (jobs/warehouse.go), POST /sync wakes the sync; GET /settings lets an admin
// choose the levels that count as intent among the levels seen, POST
// /settings saves the choice (or goes back to the default).

// syncPage serves GET /sync (admin only).
func (s *Server) syncPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	states, err := s.store.SyncStates(ctx)
	if err != nil {
		return err
	}
	known, err := s.store.KnownTasks(ctx)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, t := range known {
		names[t.ID] = t.Name
	}
	lang := views.LangOf(ctx)
	v := views.SyncVM{Tasks: len(states), On: s.warehouse != nil}
	var last time.Time
	for _, st := range states {
		row := views.SyncRowVM{TaskID: st.TaskID, TaskName: names[st.TaskID], CallsStored: st.CallsStored,
			LastRun: views.When(ctx, st.LastRun), ToFetch: st.ToFetch, LastError: syncErrorText(lang, st.LastError)}
		if !st.Watermark.IsZero() {
			row.Watermark = views.When(ctx, st.Watermark)
		}
		v.Rows = append(v.Rows, row)
		v.CallsStored += st.CallsStored
		v.ToFetch += st.ToFetch
		if st.LastRun.After(last) {
			last = st.LastRun
		}
	}
	if !last.IsZero() {
		v.LastRun = views.When(ctx, last)
	}
	if s.warehouse != nil {
		c := s.warehouse.Config()
		v.Days, v.Rate, v.RetentionDays = c.Days, strconv.FormatFloat(c.Rate, 'f', -1, 64), int(c.Retention/(24*time.Hour))
	}
	return s.render(w, r, http.StatusOK, views.SyncPage(s.page(w, r, "sync", "sync.title"), v))
}

// syncErrorText words a recorded sync error code (jobs.SyncErrorCode) in the
// reader's language.
func syncErrorText(lang views.Lang, code string) string {
	switch code {
	case "":
		return ""
	case "store":
		return views.Msg(lang, "sync.err.store")
	}
	return views.PlatformAnswer(lang, code)
}

// syncNow serves POST /sync: the sync runs a round now.
func (s *Server) syncNow(w http.ResponseWriter, r *http.Request) error {
	if s.warehouse != nil {
		s.jobs.Wake(jobs.JobWarehouseSync)
		s.jobs.Wake(jobs.JobWarehouseTranscripts)
	}
	s.setFlash(w, r, views.T(r.Context(), "sync.now.ok"), false)
	http.Redirect(w, r, "/sync", http.StatusSeeOther)
	return nil
}

// settingsPage serves GET /settings (admin only).
func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.settingsView(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.SettingsPage(s.page(w, r, "settings", "settings.title"), v))
}

func (s *Server) settingsView(r *http.Request) (views.SettingsVM, error) {
	ctx := r.Context()
	seen, err := s.store.LevelsSeen(ctx)
	if err != nil {
		return views.SettingsVM{}, err
	}
	chosen, isDefault, err := s.store.IntentLevels(ctx)
	if err != nil {
		return views.SettingsVM{}, err
	}
	v := views.SettingsVM{IsDefault: isDefault}
	for _, l := range seen {
		c := views.LevelChoice{Key: l.Key, Calls: l.Calls, IsDefault: store.IsDefaultIntent(l.Key)}
		c.Chosen = c.IsDefault
		if !isDefault {
			c.Chosen = slices.Contains(chosen, l.Key)
		}
		v.Levels = append(v.Levels, c)
	}
	return v, nil
}

// settingsSave serves POST /settings: fields level (repeated: the levels
// that count as intent) or reset=1 (the default again).
func (s *Server) settingsSave(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	if r.PostForm.Get("reset") != "" {
		if err := s.store.SetIntentLevels(ctx, nil); err != nil {
			return err
		}
		s.auditLog(r, "", audit.SettingsIntentDefault, audit.Args{}, "")
		s.setFlash(w, r, views.T(ctx, "settings.reset.ok"), false)
		http.Redirect(w, r, "/settings", http.StatusSeeOther)
		return nil
	}
	seen, err := s.store.LevelsSeen(ctx)
	if err != nil {
		return err
	}
	levels := []string{}
	for _, l := range r.PostForm["level"] {
		if !slices.ContainsFunc(seen, func(x store.LevelSeen) bool { return x.Key == l }) {
			s.setFlash(w, r, views.T(ctx, "settings.err.unknown"), true)
			http.Redirect(w, r, "/settings", http.StatusSeeOther)
			return nil
		}
		levels = append(levels, l)
	}
	if err := s.store.SetIntentLevels(ctx, levels); err != nil {
		return err
	}
	s.auditLog(r, "", audit.SettingsIntent, audit.Args{"levels": levels}, "")
	s.setFlash(w, r, views.T(ctx, "settings.saved"), false)
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
	return nil
}

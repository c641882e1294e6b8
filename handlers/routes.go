package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"dialdesk/static"
	"dialdesk/store"
)

// Routes returns dialdesk's one route table.
//
// Adding a route: write the handler as a method `func (s *Server) xxx(w
// http.ResponseWriter, r *http.Request) error` in the file of its area
// (tasks.go, taskform.go, numbers.go, imports.go, donotcall.go, calls.go,
// push.go, recordings.go), register it below with s.h(...) in the group
// whose role it needs, and put the route in the handler's doc comment. Errors returned go through the one
// funnel (errors.go). Every group below already has sessions, CSRF, security
// headers and the language; the logged-in groups also have the user.
func (s *Server) Routes() http.Handler {
	r := chi.NewRouter()
	// Every request: observed (a request id, one log line, the metrics;
	// observe.go), panics become 500 pages, security headers, language.
	// Then, except for /static/, /healthz and /readyz: cross-origin protection and
	// CSRF (the push hook is exempt: it has no browser and no session), and
	// the session's user, so even the 404 page knows who is logged in.
	// bodyLimit caps bodies before CSRF reads a form (bodylimit.go).
	r.Use(s.observe, s.recoverer, s.securityHeaders, s.withLang, s.crossOrigin, s.bodyLimit, s.csrf, s.loadSession)
	r.NotFound(s.h(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(s.h(func(w http.ResponseWriter, r *http.Request) error { return errMethod }))

	// Public, no session, no CSRF.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz) // and the database answers (ready.go)
	r.Handle("/static/*", static.Handler())
	r.Get("/favicon.ico", http.RedirectHandler(static.URL("favicon.svg"), http.StatusMovedPermanently).ServeHTTP)

	// The platform's result push: no login, no CSRF; the token is the secret.
	r.Post("/hooks/icall/{token}", s.h(s.pushReceive))

	r.Group(func(r chi.Router) {
		// Public pages.
		r.Get("/login", s.h(s.loginPage))
		r.Post("/login", s.h(s.login))
		r.Post("/logout", s.h(s.logout))

		// Everyone logged in (admin, manager, supervisor): reading.
		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin)
			r.Get("/", http.RedirectHandler("/tasks", http.StatusSeeOther).ServeHTTP)
			r.Get("/tasks", s.h(s.taskList))
			r.Get("/tasks/live", s.h(s.taskListLive))
			r.Get("/calls", s.h(s.allCalls))      // calls across tasks (calls_all.go)
			r.Get("/account", s.h(s.accountPage)) // my account: everyone changes their own password
			r.Post("/account", s.h(s.accountUpdate))
			// The overview (overview.go): figures and charts from the call store; its exports.
			r.Get("/overview", s.h(s.overviewPage))
			r.Get("/overview/export.xlsx", s.h(s.overviewExport))
			r.Get("/overview/leads.xlsx", s.h(s.leadsExport))
			r.Get("/search", s.h(s.searchPage)) // transcript search (search.go)

			// Quality review (qa_*.go): the queue; reviews' claim, hand back.
			r.Get("/qa", s.h(s.qaHome))
			r.Get("/qa/queue", s.h(s.queuePage))
			r.Get("/qa/reports", s.h(s.reportsPage)) // qa_reports.go
			r.Get("/qa/reports/export.xlsx", s.h(s.reportExport))
			r.Post("/qa/reviews/{rid}/claim", s.h(s.reviewClaim))
			r.Post("/qa/reviews/{rid}/handback", s.h(s.reviewHandBack))
			r.Post("/qa/reviews/{rid}/dispute", s.h(s.reviewDispute)) // managers and admins (qa_disputes.go)
			r.Post("/qa/reviews/{rid}/rule", s.h(s.reviewRule))       // another supervisor, or an admin

			r.Get("/recordings/{task}/{call}", s.h(s.recording))             // a call's recording, streamed
			r.Head("/recordings/{task}/{call}", s.h(s.recording))            // players ask for the size first
			r.Get("/templates/{templateid}/audio/{n}", s.h(s.templateAudio)) // hear a template

			r.Route("/tasks/{id}", func(r chi.Router) {
				r.Use(s.loadTask) // 404 early for a bad or unknown id; TaskID(r) gives the id

				r.Get("/", s.h(s.taskPage)) // the task page
				// The task's numbers (numbers.go), imports (imports.go).
				r.Get("/numbers", s.h(s.numbersPage))
				r.Get("/numbers/template.xlsx", s.h(s.numbersTemplate))
				// One import (imports.go): loadImport reads {iid} of this task, 404 otherwise.
				r.Route("/numbers/imports/{iid}", func(r chi.Router) {
					r.Group(func(r chi.Router) {
						r.Use(s.loadImport)
						r.Get("/", s.h(s.importPage))
						r.Get("/live", s.h(s.importLive))
						r.Get("/rejects.xlsx", s.h(s.importRejects))
					})
					// Managers and admins (the role first: 403 before 404).
					r.Group(func(r chi.Router) {
						r.Use(s.requireRole(store.RoleAdmin, store.RoleManager), s.loadImport)
						r.Post("/confirm", s.h(s.importConfirm))
						r.Post("/cancel", s.h(s.importCancel))
						r.Post("/resume", s.h(s.importResume))
						r.Post("/abandon", s.h(s.importAbandon))
					})
				})
				// Call records, export, one call, review (supervisors review: it is their job).
				r.Get("/calls", s.h(s.callList))
				r.Get("/calls/export.xlsx", s.h(s.callExport))
				r.Get("/calls/export-progress", s.h(s.callExportProgress))
				r.Get("/calls/{call}", s.h(s.callDetail))
				r.Post("/calls/{call}/review", s.h(s.callReview))
				r.Post("/calls/{call}/qa", s.h(s.callQA)) // submit the call's review (qa_review.go)

				// Managers and admins: changes to a task.
				r.Group(func(r chi.Router) {
					r.Use(s.requireRole(store.RoleAdmin, store.RoleManager))
					// Edit, copy, lifecycle (end and delete confirm on GET), task audit.
					r.Get("/edit", s.h(s.taskEdit))
					r.Get("/copy", s.h(s.taskCopy)) // the new-task form filled in from this task
					// Redial (redial.go): call again numbers this task did not reach.
					r.Get("/redial", s.h(s.redialForm))
					r.Post("/redial", s.h(s.redialSubmit))
					r.Post("/edit", s.h(s.taskUpdate))
					r.Post("/pause", s.h(s.taskPause))
					r.Post("/resume", s.h(s.taskResume))
					r.Get("/end", s.h(s.taskEndConfirm))
					r.Post("/end", s.h(s.taskEnd))
					r.Get("/delete", s.h(s.taskDeleteConfirm))
					r.Post("/delete", s.h(s.taskDelete))
					r.Get("/audit", s.h(s.taskAuditPage))
					// Upload (imports.go), delete numbers (numbers.go).
					r.Post("/numbers", s.h(s.numbersUpload))
					r.Post("/calls/{call}/dnc", s.h(s.callDNC)) // the call's customer onto the do-not-call list
					r.Post("/numbers/delete", s.h(s.numbersDelete))
				})
			})
		})

		// Managers and admins.
		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin, s.requireRole(store.RoleAdmin, store.RoleManager))
			r.Get("/tasks/new", s.h(s.taskNew)) // the create-task form (chi matches the static /tasks/new before /tasks/{id})
			r.Post("/tasks", s.h(s.taskCreate))
			r.Get("/audit", s.h(s.auditPage))
			// Bulk actions on the task list (bulk.go): pause, resume or end many.
			r.Get("/tasks/bulk", s.h(s.bulkConfirm))
			r.Post("/tasks/bulk", s.h(s.bulkRun))
			r.Get("/tasks/bulk/{run}", s.h(s.bulkResult))
			// The do-not-call list (donotcall.go).
			// Review plans (qa_plans.go).
			r.Get("/qa/plans", s.h(s.plansPage))
			r.Post("/qa/plans", s.h(s.planCreate))
			r.Get("/qa/plans/{plan}", s.h(s.planPage))
			r.Post("/qa/plans/{plan}", s.h(s.planUpdate))
			r.Get("/dnc", s.h(s.dncPage))
			r.Post("/dnc", s.h(s.dncAdd))
			r.Post("/dnc/upload", s.h(s.dncUpload))
			r.Post("/dnc/remove", s.h(s.dncRemove))
			r.Get("/dnc/purge", s.h(s.dncPurgePage)) // remove do-not-call numbers from unfinished tasks
			r.Post("/dnc/purge", s.h(s.dncPurge))
			// Keyword rules (rules.go).
			r.Get("/rules", s.h(s.rulesPage))
			r.Post("/rules", s.h(s.ruleCreate))
			r.Get("/rules/progress", s.h(s.rulesProgress))
			r.Get("/rules/{rid}", s.h(s.ruleEdit))
			r.Post("/rules/{rid}", s.h(s.ruleUpdate))
			r.Post("/rules/{rid}/delete", s.h(s.ruleDelete))
			r.Get("/alerts", s.h(s.alertsPage)) // high-severity rule alerts (alerts.go)
		})

		// Admins only.
		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin, s.requireRole(store.RoleAdmin))
			r.Get("/users", s.h(s.usersPage))
			r.Post("/users", s.h(s.userCreate))
			r.Post("/users/{uid}/role", s.h(s.userSetRole))
			r.Post("/users/{uid}/password", s.h(s.userSetPassword))
			r.Post("/users/{uid}/disable", s.h(s.userDisable))
			r.Post("/users/{uid}/enable", s.h(s.userEnable))
			// The call warehouse (warehouse.go): its sync and the intent levels.
			r.Get("/sync", s.h(s.syncPage))
			r.Post("/sync", s.h(s.syncNow))
			// Scorecards (qa_scorecards.go).
			r.Get("/qa/scorecards", s.h(s.scorecardsPage))
			r.Post("/qa/scorecards", s.h(s.scorecardCreate))
			r.Get("/qa/scorecards/{sc}", s.h(s.scorecardPage))
			r.Post("/qa/scorecards/{sc}", s.h(s.scorecardUpdate))
			r.Get("/settings", s.h(s.settingsPage))
			r.Post("/settings", s.h(s.settingsSave))
			r.Post("/alerts/webhook", s.h(s.alertsWebhook)) // where rule alerts are POSTed
		})
	})
	return r
}

// healthz answers GET /healthz: 200 "ok" while the process serves.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok"))
}

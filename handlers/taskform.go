package handlers

import "net/http"

// taskNew serves GET /tasks/new.
func (s *Server) taskNew(w http.ResponseWriter, r *http.Request) error { return errNotFound }

// taskCreate serves POST /tasks.
func (s *Server) taskCreate(w http.ResponseWriter, r *http.Request) error { return errNotFound }

// taskEdit serves GET /tasks/{id}/edit.
func (s *Server) taskEdit(w http.ResponseWriter, r *http.Request) error { return errNotFound }

// taskUpdate serves POST /tasks/{id}/edit.
func (s *Server) taskUpdate(w http.ResponseWriter, r *http.Request) error { return errNotFound }

// templateAudio serves GET /templates/{templateid}/audio/{n}.
func (s *Server) templateAudio(w http.ResponseWriter, r *http.Request) error { return errNotFound }

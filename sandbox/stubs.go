package sandbox

import "net/http"

func (s *Sandbox) addTaskFileData(p *params) (any, error) { return nil, errCode("320031") }

func (s *Sandbox) v1(h func(w http.ResponseWriter, r *http.Request), name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.count(name); h(w, r) }
}
func (s *Sandbox) v1DoneTaskPhones(w http.ResponseWriter, r *http.Request)   {}
func (s *Sandbox) v1Numbers(w http.ResponseWriter, r *http.Request)          {}
func (s *Sandbox) v1Record(w http.ResponseWriter, r *http.Request)           {}
func (s *Sandbox) v1RecordInfo(w http.ResponseWriter, r *http.Request)       {}
func (s *Sandbox) v1Levels(w http.ResponseWriter, r *http.Request)           {}
func (s *Sandbox) v1Tags(w http.ResponseWriter, r *http.Request)             {}
func (s *Sandbox) serveRecording(w http.ResponseWriter, r *http.Request)     {}
func (s *Sandbox) serveTemplateAudio(w http.ResponseWriter, r *http.Request) {}

type audioCache struct{ max int }

func (w *world) seedDemo() {}

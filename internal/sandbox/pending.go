package sandbox

import "net/http"

type idTokenSigner struct{}

func (s *Server) githubRoutes(*http.ServeMux) {}
func (s *Server) slackRoutes(*http.ServeMux)  {}
func (s *Server) sentryRoutes(*http.ServeMux) {}
func (s *Server) oidcRoutes(*http.ServeMux)   {}

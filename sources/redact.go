package sources

import (
	"net/url"
	"strings"
)

// redacted replaces a secret wherever palermo shows a location.
const redacted = "REDACTED"

// secretParams are query parameters whose values are credentials: tokens,
// keys, signatures and passwords that publishers' download links carry.
var secretParams = []string{"token", "key", "secret", "password", "passwd", "pwd", "signature", "sig", "auth", "credential", "session", "code"}

func isSecretParam(name string) bool {
	n := strings.ToLower(name)
	for _, s := range secretParams {
		if strings.Contains(n, s) {
			return true
		}
	}
	return strings.HasPrefix(n, "x-amz-") || strings.HasPrefix(n, "x-goog-")
}

// RedactLocation returns a location as it may be shown on the landing
// page, in logs, state files, snapshots and errors: a URL keeps its scheme,
// host, path and harmless query parameters, while a password in it and the
// values of credential parameters (token, api_key, signature, ...) become
// REDACTED. Paths and "embedded" are returned as they are.
func RedactLocation(location string) string {
	if !strings.HasPrefix(location, "http://") && !strings.HasPrefix(location, "https://") {
		return location
	}
	u, err := url.Parse(location)
	if err != nil {
		// Unparseable: show the scheme and host part only.
		scheme, rest, _ := strings.Cut(location, "://")
		host, _, _ := strings.Cut(rest, "/")
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = redacted + "@" + host[at+1:]
		}
		return scheme + "://" + host + "/" + redacted
	}
	return redactURL(u)
}

func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), redacted)
		} else {
			c.User = url.User(redacted) // a bare userinfo is a token too
		}
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k, vs := range q {
			if isSecretParam(k) {
				for i := range vs {
					vs[i] = redacted
				}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	c.Fragment = ""
	return c.String()
}

// RedactText replaces every URL with credentials inside a text (an error
// message, a log line) by its redacted form.
func RedactText(s string, locations ...string) string {
	for _, loc := range locations {
		if r := RedactLocation(loc); r != loc {
			s = strings.ReplaceAll(s, loc, r)
			// net/http quotes the URL in its errors: "Get \"URL\": ..."
			if u, err := url.Parse(loc); err == nil {
				s = strings.ReplaceAll(s, u.String(), r)
				s = strings.ReplaceAll(s, u.Redacted(), r)
				if pw, ok := u.User.Password(); ok && pw != "" {
					// net/http's own form: the password as ***
					full := u.String()
					if at := strings.IndexByte(full, '@'); at >= 0 {
						s = strings.ReplaceAll(s, u.Scheme+"://"+u.User.Username()+":***"+full[at:], r)
					}
				}
			}
		}
	}
	return s
}

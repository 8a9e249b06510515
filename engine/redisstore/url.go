package redisstore

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Default ports when a URL leaves them out.
const (
	defaultPort         = "6379"
	defaultSentinelPort = "26379"
)

// connConfig is a parsed URL: exactly one of its fields is set.
type connConfig struct {
	simple   *redis.Options
	failover *redis.FailoverOptions
	cluster  *redis.ClusterOptions
}

// parseURL reads the URL forms documented on Open. The single-node forms
// are go-redis's own; the Sentinel and Cluster forms, which list several
// hosts in the authority as most Redis clients write them, are rewritten
// into go-redis's "?addr=" form and parsed by go-redis, so that every
// option go-redis knows (dial_timeout, pool_size, ...) works in all of them.
func parseURL(raw string) (connConfig, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return connConfig{}, fmt.Errorf("redis URL %q has no scheme", redact(raw))
	}
	var cfg connConfig
	var err error
	switch strings.ToLower(scheme) {
	case "redis", "rediss", "unix":
		cfg.simple, err = redis.ParseURL(raw)
	case "redis-sentinel", "redis+sentinel", "rediss-sentinel", "rediss+sentinel":
		cfg.failover, err = parseSentinel(strings.HasPrefix(scheme, "rediss"), rest)
	case "redis-cluster", "redis+cluster", "rediss-cluster", "rediss+cluster":
		cfg.cluster, err = parseCluster(strings.HasPrefix(scheme, "rediss"), rest)
	default:
		return connConfig{}, fmt.Errorf("redis URL %q: unknown scheme %q (want redis, rediss, unix, redis-sentinel or redis-cluster)", redact(raw), scheme)
	}
	if err != nil {
		// go-redis's messages never echo the password, but ours name the URL.
		return connConfig{}, fmt.Errorf("redis URL %q: %w", redact(raw), err)
	}
	// Without this a context's deadline does not bound a command: the
	// client's own read and write timeouts would.
	switch {
	case cfg.simple != nil:
		cfg.simple.ContextTimeoutEnabled = true
	case cfg.failover != nil:
		cfg.failover.ContextTimeoutEnabled = true
	case cfg.cluster != nil:
		cfg.cluster.ContextTimeoutEnabled = true
	}
	return cfg, nil
}

// client returns the go-redis client for the configuration; none of them
// connects before its first command.
func (c connConfig) client() redis.UniversalClient {
	switch {
	case c.failover != nil:
		return redis.NewFailoverClient(c.failover)
	case c.cluster != nil:
		return redis.NewClusterClient(c.cluster)
	default:
		return redis.NewClient(c.simple)
	}
}

// splitHosts splits "user:pass@h1:p1,h2,h3:p3/path?query" into the userinfo
// (with its "@"), the hosts with ports filled in, and what follows them.
func splitHosts(rest, port string) (userinfo string, hosts []string, tail string, err error) {
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, authority = authority[:i+1], authority[i+1:]
	}
	for _, h := range strings.Split(authority, ",") {
		if h == "" {
			continue
		}
		host, p, err := net.SplitHostPort(h)
		if err != nil {
			// No port: the host alone, without an IPv6 literal's brackets.
			host, p = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), port
		}
		if host == "" {
			return "", nil, "", fmt.Errorf("host %q has no name", h)
		}
		hosts = append(hosts, net.JoinHostPort(host, p))
	}
	if len(hosts) == 0 {
		return "", nil, "", fmt.Errorf("no hosts")
	}
	return userinfo, hosts, tail, nil
}

// rebuild makes a go-redis URL of the first host, with the others as
// "addr" parameters.
func rebuild(tls bool, userinfo string, hosts []string, tail string) (*url.URL, error) {
	scheme := "redis"
	if tls {
		scheme = "rediss"
	}
	u, err := url.Parse(scheme + "://" + userinfo + hosts[0] + tail)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	for _, h := range hosts[1:] {
		q.Add("addr", h)
	}
	u.RawQuery = q.Encode()
	return u, nil
}

// parseSentinel reads "[user:pass@]host1[:port][,host2...]/master[/db]?...".
// The userinfo is the data nodes' login; sentinel_username and
// sentinel_password are the Sentinels' own, when they have one.
func parseSentinel(tls bool, rest string) (*redis.FailoverOptions, error) {
	userinfo, hosts, tail, err := splitHosts(rest, defaultSentinelPort)
	if err != nil {
		return nil, err
	}
	u, err := rebuild(tls, userinfo, hosts, tail)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	parts := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	switch {
	case len(parts) == 0 && q.Get("master_name") == "":
		return nil, fmt.Errorf("no master name: write redis-sentinel://host1,host2/mastername")
	case len(parts) >= 1 && len(parts) <= 2:
		q.Set("master_name", parts[0])
		if len(parts) == 2 {
			if _, err := strconv.Atoi(parts[1]); err != nil {
				return nil, fmt.Errorf("invalid database number %q", parts[1])
			}
			q.Set("db", parts[1])
		}
	case len(parts) > 2:
		return nil, fmt.Errorf("invalid path %q: want /mastername or /mastername/db", u.Path)
	}
	sentinelUser, sentinelPassword := q.Get("sentinel_username"), q.Get("sentinel_password")
	q.Del("sentinel_username")
	q.Del("sentinel_password")
	// go-redis's failover URL takes the userinfo for the Sentinels and query
	// parameters for the data nodes; ours is the other way round, because
	// it is the data nodes that nearly always have a password.
	if u.User != nil {
		q.Set("username", u.User.Username())
		if p, ok := u.User.Password(); ok {
			q.Set("password", p)
		}
		u.User = nil
	}
	u.Path, u.RawQuery = "", q.Encode()
	o, err := redis.ParseFailoverURL(u.String())
	if err != nil {
		return nil, err
	}
	o.SentinelUsername, o.SentinelPassword = sentinelUser, sentinelPassword
	return o, nil
}

// parseCluster reads "[user:pass@]host1[:port][,host2...]?...".
func parseCluster(tls bool, rest string) (*redis.ClusterOptions, error) {
	userinfo, hosts, tail, err := splitHosts(rest, defaultPort)
	if err != nil {
		return nil, err
	}
	u, err := rebuild(tls, userinfo, hosts, tail)
	if err != nil {
		return nil, err
	}
	if strings.Trim(u.Path, "/") != "" {
		return nil, fmt.Errorf("a cluster has only database 0; remove the path %q", u.Path)
	}
	return redis.ParseClusterURL(u.String())
}

// queryPassword finds passwords given as options: password=,
// sentinel_password=.
var queryPassword = regexp.MustCompile(`(password=)[^&#]*`)

// redact hides a URL's passwords, for messages.
func redact(raw string) string {
	raw = queryPassword.ReplaceAllString(raw, "${1}xxxxx")
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return raw
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

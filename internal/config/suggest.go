package config

import (
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Suggest is the candidate closest to name — within two edits, or the same
// but for '_', '-' and case — or "" when none is that close.
func Suggest(name string, candidates []string) string {
	fold := func(s string) string { return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s)) }
	best, bestDist := "", 3
	for _, c := range candidates {
		d := editDistance(fold(name), fold(c))
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// topLevelKeys are the keys the configuration file may hold at its top;
// git's section is checked by internal/gitcred, which reads it.
var topLevelKeys = []string{"store", "state_dir", "providers", "git"}

// providerKeys are the keys of a provider entry, from Provider's tags.
func providerKeys() []string {
	var keys []string
	t := reflect.TypeOf(Provider{})
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("mapstructure"); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	sort.Strings(keys)
	return keys
}

// unknownKey finds the first key of the file (viper's flattened, lower-cased
// "providers.NAME.field" form) that authctl does not read: a misspelt key
// would otherwise be ignored and show up later as a confusing error.
func unknownKey(keys []string) (key, suggestion string) {
	fields := providerKeys()
	sort.Strings(keys)
	for _, k := range keys {
		parts := strings.Split(k, ".")
		switch {
		case parts[0] == "git":
		case parts[0] == "providers" && len(parts) >= 3:
			if field := strings.Join(parts[2:], "."); !slices.Contains(fields, field) {
				return k, Suggest(field, fields)
			}
		case parts[0] == "providers":
			return k, "" // a provider entry must be a map of fields
		case !slices.Contains(topLevelKeys, parts[0]):
			return k, Suggest(parts[0], topLevelKeys)
		}
	}
	return "", ""
}

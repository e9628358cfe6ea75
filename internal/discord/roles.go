package discord

// RoleCheck is the answer to "does this member hold these roles?".
type RoleCheck struct {
	Matched []string
	Missing []string
	OK      bool
}

// CheckRoles compares a member's roles with want, as strings. The @everyone
// role (id = guild id) is never listed by Discord but every member holds it.
// With all false one match suffices; an empty want always passes.
func CheckRoles(guildID string, member *Member, want []string, all bool) RoleCheck {
	held := make(map[string]bool, len(member.Roles)+1)
	for _, r := range member.Roles {
		held[r] = true
	}
	held[guildID] = true
	rc := RoleCheck{Matched: []string{}, Missing: []string{}}
	for _, r := range want {
		if held[r] {
			rc.Matched = append(rc.Matched, r)
		} else {
			rc.Missing = append(rc.Missing, r)
		}
	}
	switch {
	case len(want) == 0:
		rc.OK = true
	case all:
		rc.OK = len(rc.Missing) == 0
	default:
		rc.OK = len(rc.Matched) > 0
	}
	return rc
}

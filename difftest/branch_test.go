package difftest

import "testing"

// TestBranchForkFollowsWatch: Env.Branches forks our data only while no
// WATCH is in force (a WATCH does not follow BRANCH SWITCH). An EXEC
// without MULTI is an error that leaves the WATCH in force, as in Redis;
// the harness took it for the end of the WATCH, forked, and the next
// MULTI/EXEC failed on our side only (ours *-1, Redis *0).
func TestBranchForkFollowsWatch(t *testing.T) {
	env := newEnv(t)
	env.Branches = true
	for _, script := range []string{
		"WATCH 0\nEXEC\nMULTI\nEXEC\n",
		"WATCH k\nEXEC\nSET x 1\nMULTI\nGET k\nEXEC\n",
		"WATCH k\nDISCARD\nSET x 1\nMULTI\nGET k\nEXEC\n",
		"WATCH k\nMULTI\nWATCH j\nSET x 1\nEXEC\nSET y 1\nMULTI\nGET k\nEXEC\n",
	} {
		p, err := ParseScript(script)
		if err != nil {
			t.Fatal(err)
		}
		m, err := env.Run(p)
		if err != nil {
			t.Fatal(err)
		}
		if m != nil {
			t.Errorf("%q: %s", script, m)
		}
	}
}

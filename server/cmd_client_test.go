package server_test

import "testing"

// TestClientTrackingOff compares CLIENT GETREDIR and CLIENT TRACKINGINFO
// (tracking is never on) with redis-server, in RESP2 and RESP3.
func TestClientTrackingOff(t *testing.T) {
	runScripts(t, map[string][]scriptStep{
		"tracking off": {
			{cmd: `client getredir`, want: `:-1`},
			{cmd: `client getredir x`, want: `-ERR wrong number of arguments for 'client|getredir' command`},
			{cmd: `client trackinginfo`, want: `["flags" ["off"] "redirect" :-1 "prefixes" []]`},
			{cmd: `client trackinginfo x`, want: `-ERR wrong number of arguments for 'client|trackinginfo' command`},
			{cmd: `hello 3`, sort: 'I'},
			{cmd: `client trackinginfo`, want: `%{"flags" ~["off"] "redirect" :-1 "prefixes" []}`},
			{cmd: `client getredir`, want: `:-1`},
		},
	})
}

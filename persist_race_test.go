//go:build race

package potato

// raceBuild scales long randomized durability tests down under the race
// detector (which slows them about tenfold); they run in full without it.
const raceBuild = true

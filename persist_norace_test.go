//go:build !race

package potato

// raceBuild: see persist_race_test.go.
const raceBuild = false

//go:build race

package main

// raceEnabled is true when the tests run under the race detector, which
// slows a large import down too much for timing-based tests.
const raceEnabled = true

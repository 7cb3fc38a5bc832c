package lib

// Greeting is what hello prints.
func Greeting() string { return "hello" }

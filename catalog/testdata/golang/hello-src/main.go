package main

import (
	"fmt"

	"example.com/lib"
)

var version = "dev"

func main() { fmt.Println(lib.Greeting(), version) }

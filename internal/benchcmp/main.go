// Command benchcmp is the driver of `make bench`.
package main

func main() {}

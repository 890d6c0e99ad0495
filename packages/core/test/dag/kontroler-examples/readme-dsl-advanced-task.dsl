// Source: GreedyKomodoDragon/Kontroler README.md, "DSL Task Configuration Options" (a fragment: the
// parameters it uses are not declared, so it is an expected error)
task advanced_task {
  image "alpine:latest"
  command ["sh", "-c"]
  args ["echo 'Advanced task'"]
  script "echo 'Can use script OR command/args'"
  parameters ["param1", "param2"]
  backoff 5
  retry [1, 2, 130]
}

// Source: GreedyKomodoDragon/Kontroler README.md, "DSL Syntax Overview"
schedule "*/1 * * * *"

parameters {
  param "my-param" {
    default "default-value"
  }
  param "secret-param" {
    secret "secret-name"
  }
}

graph {
  task_a -> task_b
  task_a -> task_c
  task_b -> task_d
  task_c -> task_d
}

task task_a {
  image "alpine:latest"
  script "echo 'Starting workflow'"
}

task task_b {
  image "python:3.9"
  command ["python", "-c"]
  args ["print('Processing data')"]
}

task task_c {
  image "alpine:latest"
  script "echo 'Parallel processing'"
}

task task_d {
  image "alpine:latest"
  script "echo 'Workflow complete'"
}

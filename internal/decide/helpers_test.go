package decide

import (
	"time"
)

// hangGuard is how long a test waits for the server to do something
// before it fails: far more than any of it takes on a loaded machine.
const hangGuard = 30 * time.Second

// prodYAML is a config with a targeted experiment and one for everyone;
// its version is a %d.
const prodYAML = `
version: %d
experiments:
  checkout:
    id: exp-42
    targeting:
      - conditions:
          - {attribute: country, operator: in, value: [US, CA]}
    variants:
      control: {id: var-1, allocation: 0-50%%, payload: {color: "#0066cc"}}
      treatment: {id: var-2, allocation: 50-100%%, payload: {color: "#00cc66"}}
  everyone: true
`

package cli

import (
	"github.com/pipe-etl/pipe/engine"
)

// authFactory builds the auth kinds engine/rest does not know.
func (e *env) authFactory(dest any) engine.AuthFactory {
	return nil
}

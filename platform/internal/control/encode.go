package control

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/internal/store"
)

// The platform's entities as JSON, keys in Prisma's model order and
// includes after them, as its responses have them. Stored JSON is already
// canonical and is copied as it is.

func appendTime(b []byte, t time.Time) []byte {
	return wire.AppendString(b, wire.FormatTime(t))
}

func appendNullString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return wire.AppendString(b, *s)
}

func appendRaw(b []byte, raw json.RawMessage) []byte {
	if raw == nil {
		return append(b, "null"...)
	}
	return append(b, raw...)
}

func appendEnvironment(b []byte, e *store.Environment) []byte {
	if e == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"id":`...)
	b = wire.AppendString(b, e.ID)
	b = append(b, `,"name":`...)
	b = wire.AppendString(b, e.Name)
	b = append(b, `,"createdAt":`...)
	b = appendTime(b, e.CreatedAt)
	b = append(b, `,"updatedAt":`...)
	b = appendTime(b, e.UpdatedAt)
	return append(b, '}')
}

// appendAudience writes an audience, with its environment when withEnv.
func appendAudience(b []byte, a *store.Audience, withEnv bool) []byte {
	if a == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"id":`...)
	b = wire.AppendString(b, a.ID)
	b = append(b, `,"name":`...)
	b = wire.AppendString(b, a.Name)
	b = append(b, `,"environmentId":`...)
	b = wire.AppendString(b, a.EnvironmentID)
	b = append(b, `,"rules":`...)
	b = appendRaw(b, a.Rules)
	b = append(b, `,"createdAt":`...)
	b = appendTime(b, a.CreatedAt)
	b = append(b, `,"updatedAt":`...)
	b = appendTime(b, a.UpdatedAt)
	if withEnv {
		b = append(b, `,"environment":`...)
		b = appendEnvironment(b, a.Environment)
	}
	return append(b, '}')
}

func appendVariant(b []byte, v *store.Variant) []byte {
	b = append(b, `{"id":`...)
	b = wire.AppendString(b, v.ID)
	b = append(b, `,"key":`...)
	b = wire.AppendString(b, v.Key)
	b = append(b, `,"name":`...)
	b = wire.AppendString(b, v.Name)
	b = append(b, `,"payload":`...)
	b = appendRaw(b, v.Payload)
	b = append(b, `,"experimentId":`...)
	b = wire.AppendString(b, v.ExperimentID)
	return append(b, '}')
}

func appendVariants(b []byte, vs []store.Variant) []byte {
	b = append(b, '[')
	for i := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendVariant(b, &vs[i])
	}
	return append(b, ']')
}

func appendAllocations(b []byte, as []store.Allocation) []byte {
	b = append(b, '[')
	for i, a := range as {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = wire.AppendString(b, a.ID)
		b = append(b, `,"variantId":`...)
		b = wire.AppendString(b, a.VariantID)
		b = append(b, `,"rangeStart":`...)
		b = strconv.AppendInt(b, int64(a.RangeStart), 10)
		b = append(b, `,"rangeEnd":`...)
		b = strconv.AppendInt(b, int64(a.RangeEnd), 10)
		b = append(b, `,"experimentId":`...)
		b = wire.AppendString(b, a.ExperimentID)
		b = append(b, '}')
	}
	return append(b, ']')
}

// experimentShape says which includes an experiment response has.
type experimentShape int

const (
	fullShape    experimentShape = iota // variants, allocations, environment, audience
	deletedShape                        // environment only, as DELETE returns it
)

func appendExperiment(b []byte, e *store.Experiment, shape experimentShape) []byte {
	b = append(b, `{"id":`...)
	b = wire.AppendString(b, e.ID)
	b = append(b, `,"key":`...)
	b = wire.AppendString(b, e.Key)
	b = append(b, `,"name":`...)
	b = wire.AppendString(b, e.Name)
	b = append(b, `,"description":`...)
	b = appendNullString(b, e.Description)
	b = append(b, `,"salt":`...)
	b = wire.AppendString(b, e.Salt)
	b = append(b, `,"status":`...)
	b = wire.AppendString(b, string(e.Status))
	b = append(b, `,"environmentId":`...)
	b = wire.AppendString(b, e.EnvironmentID)
	b = append(b, `,"audienceId":`...)
	b = appendNullString(b, e.AudienceID)
	b = append(b, `,"targetingRules":`...)
	b = appendRaw(b, e.TargetingRules)
	b = append(b, `,"createdAt":`...)
	b = appendTime(b, e.CreatedAt)
	b = append(b, `,"updatedAt":`...)
	b = appendTime(b, e.UpdatedAt)
	if shape == fullShape {
		b = append(b, `,"variants":`...)
		b = appendVariants(b, e.Variants)
		b = append(b, `,"allocations":`...)
		b = appendAllocations(b, e.Allocations)
	}
	b = append(b, `,"environment":`...)
	b = appendEnvironment(b, e.Environment)
	if shape == fullShape {
		b = append(b, `,"audience":`...)
		b = appendAudience(b, e.Audience, false)
	}
	return append(b, '}')
}

// appendPage writes {"data":[items],"pagination":{...}}.
func appendPage[T any](b []byte, items []T, each func([]byte, *T) []byte, p store.Page, total int64) []byte {
	b = append(b, `{"data":[`...)
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, &items[i])
	}
	b = append(b, `],"pagination":{"page":`...)
	b = strconv.AppendInt(b, p.Number, 10)
	b = append(b, `,"pageSize":`...)
	b = strconv.AppendInt(b, p.Size, 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, total, 10)
	b = append(b, `,"totalPages":`...)
	b = strconv.AppendInt(b, (total+p.Size-1)/p.Size, 10)
	return append(b, "}}"...)
}

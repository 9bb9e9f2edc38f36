package stats

import "fmt"

// MultipleExposuresThreshold is the share of users exposed to more than
// one variant at which MultipleExposures warns.
const MultipleExposuresThreshold = 0.01

// MultipleExposuresMinUsers is the number of users below which
// MultipleExposures gives no verdict.
const MultipleExposuresMinUsers = 10

// ExposureStatus is the verdict of the multiple-exposures check.
type ExposureStatus string

const (
	// ExposuresOK: few users saw more than one variant.
	ExposuresOK ExposureStatus = "ok"
	// ExposuresWarning: at least MultipleExposuresThreshold of the users
	// saw more than one variant; they are excluded from the results, but
	// so many suggest that assignment is not sticky (changing user ids,
	// a changed config).
	ExposuresWarning ExposureStatus = "warning"
	// ExposuresNotEnoughData: fewer than MultipleExposuresMinUsers users.
	ExposuresNotEnoughData ExposureStatus = "not-enough-data"
)

// MultipleExposuresResult is the multiple-exposures check.
type MultipleExposuresResult struct {
	Multiple int64          // users exposed to more than one variant
	Users    int64          // all users exposed, Multiple included
	Share    float64        // Multiple/Users; 0 without users
	Status   ExposureStatus // the verdict
}

// MultipleExposures checks the share of exposed users who saw more than
// one variant. users counts every exposed user, multiple included. As in
// GrowthBook the verdict is ExposuresNotEnoughData under
// MultipleExposuresMinUsers users, ExposuresWarning when the share is at
// least MultipleExposuresThreshold, else ExposuresOK. It returns an error
// for a negative count or multiple above users.
func MultipleExposures(multiple, users int64) (MultipleExposuresResult, error) {
	if multiple < 0 || users < multiple {
		return MultipleExposuresResult{}, fmt.Errorf("stats: %d users exposed to several variants out of %d", multiple, users)
	}
	r := MultipleExposuresResult{Multiple: multiple, Users: users}
	if users > 0 {
		r.Share = float64(multiple) / float64(users)
	}
	switch {
	case users < MultipleExposuresMinUsers:
		r.Status = ExposuresNotEnoughData
	case r.Share >= MultipleExposuresThreshold:
		r.Status = ExposuresWarning
	default:
		r.Status = ExposuresOK
	}
	return r, nil
}

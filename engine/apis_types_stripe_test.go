package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The Stripe fake serves testdata/apis/stripe_intents.yml's list of
// PaymentIntents with the latest charge expanded: metadata maps whose keys
// the account's own code chose (case, dots, dashes, spaces, unicode, keys
// of 40 characters that Postgres' 63-byte names cut), amounts in minor
// units, money and ids as strings.

const stripeIntentsKey = "sk_test_51MtwBwLkdIwHu7ixTypesTestKey"

func stripeIntentsAPI(t *testing.T) (*pagesAPI, string) {
	a := &pagesAPI{token: stripeIntentsKey}
	a.want = func(r *http.Request, n int) string {
		q := r.URL.Query()
		if r.URL.Path != "/v1/payment_intents" || q.Get("limit") != "2" || q.Get("expand[]") != "data.latest_charge" {
			return "wrong request: " + r.URL.String()
		}
		return ""
	}
	o := newVendorOrigin(t, a)
	return a, o.srv.URL
}

// stripeList is a list page.
func stripeList(hasMore bool, objs ...string) string {
	return fmt.Sprintf(`{"object": "list", "url": "/v1/payment_intents", "has_more": %v, "data": [%s]}`, hasMore, strings.Join(objs, ", "))
}

// stripeIntent is a PaymentIntent with its metadata and its latest
// charge's metadata, both JSON objects.
func stripeIntent(id string, amount int, currency, metadata, chargeMetadata string) string {
	return fmt.Sprintf(`{"id": %q, "object": "payment_intent", "amount": %d, "amount_received": %d, "currency": %q,
		"created": 1680800504, "status": "succeeded", "livemode": false, "amount_details": {"tip": {}},
		"payment_method_types": ["card"], "metadata": %s,
		"latest_charge": {"id": "ch_%s", "object": "charge", "amount": %d, "paid": true, "outcome": {"risk_score": 32, "type": "authorized"},
			"metadata": %s}}`, id, amount, amount, currency, metadata, strings.TrimPrefix(id, "pi_"), amount, chargeMetadata)
}

// Keys of 40 characters, Stripe's limit: under latest_charge__metadata__
// they pass Postgres' 63 bytes, and the first two share the first 38.
const (
	stripeLongA = "customer_reference_number_for_invoice_aa"
	stripeLongB = "customer_reference_number_for_invoice_ab"
	stripeLongC = "Customer_Reference_Number_For_Invoice_aa"
)

// TestStripeMetadataKeys: every metadata key lands in a column of its own
// (keys that snake-case alike, or that Postgres' name limit cuts alike,
// never share one), in the same column in a later run that meets the keys
// in another order, and every value is the string served.
func TestStripeMetadataKeys(t *testing.T) {
	forEachDest(t, func(t *testing.T, d *typesDest) {
		api, base := stripeIntentsAPI(t)
		vars := map[string]string{"api_url": base}
		env := map[string]string{"STRIPE_SECRET_KEY": stripeIntentsKey}
		text := vendorSpec(t, "stripe_intents")
		md1 := map[string]string{"order_id": "6735", "Order_ID": "A-6735", "orderId": "o1", "order-id": "o2", "order.id": "o3",
			"order id": "o4", "ördér_id": "o5", "注文番号": "o6", "123": "digits", "price": "19.90", "ORDER_ID": "o7", "order__id": "o8"}
		md2 := map[string]string{"ORDER_ID": "p7", "order.id": "p3", "order_id": "6736", "price": "0.10"}
		cmd1 := map[string]string{stripeLongA: "ref-a", stripeLongB: "ref-b", stripeLongC: "ref-c"}
		cmd2 := map[string]string{stripeLongC: "ref-c2", stripeLongB: "ref-b2"}
		api.serve(
			stripeList(true,
				stripeIntent("pi_3MtwBwLkdIwHu7ix28a3tqPa", 2000, "usd", curJSON(md1), curJSON(cmd1)),
				stripeIntent("pi_3MtwBwLkdIwHu7ix28a3tqPb", 500, "jpy", curJSON(md2), curJSON(cmd2))),
			stripeList(false, stripeIntent("pi_3MtwBwLkdIwHu7ix28a3tqPc", 1999, "eur", `{}`, `{}`)))
		run := d.run(t, "stripe_intents", text, vars, env)
		run.mustLoad(t)
		api.checkRequests(t)
		d.checkKeys(t, "payment_intents", "pi_3MtwBwLkdIwHu7ix28a3tqPa", "metadata.", md1)
		d.checkKeys(t, "payment_intents", "pi_3MtwBwLkdIwHu7ix28a3tqPb", "metadata.", md2)
		d.checkKeys(t, "payment_intents", "pi_3MtwBwLkdIwHu7ix28a3tqPc", "metadata.", nil)
		d.checkKeys(t, "payment_intents", "pi_3MtwBwLkdIwHu7ix28a3tqPa", "latest_charge.metadata.", cmd1)
		d.checkKeys(t, "payment_intents", "pi_3MtwBwLkdIwHu7ix28a3tqPb", "latest_charge.metadata.", cmd2)
		if got := len(d.keyColumns(t, "payment_intents", "metadata.")); got != len(md1) {
			t.Errorf("%d metadata columns, want %d", got, len(md1))
		}
		d.check(t, `SELECT id, amount, currency, latest_charge__amount, latest_charge__outcome__risk_score, created FROM payment_intents ORDER BY id`,
			"pi_3MtwBwLkdIwHu7ix28a3tqPa|2000|usd|2000|32|1680800504",
			"pi_3MtwBwLkdIwHu7ix28a3tqPb|500|jpy|500|32|1680800504",
			"pi_3MtwBwLkdIwHu7ix28a3tqPc|1999|eur|1999|32|1680800504")
		before := d.keyColumns(t, "payment_intents", "")

		// The next run meets the keys in another order, one record holding
		// a new key beside the others.
		md1b := map[string]string{"order__id": "n8", "order-id": "n2", "ORDER_ID": "n7", "Order_ID": "B-6735", "order_id": "6737", "orderid": "n9"}
		api.serve(stripeList(false,
			stripeIntent("pi_3MtwBwLkdIwHu7ix28a3tqPa", 2000, "usd", curJSON(md1b), `{"`+stripeLongB+`": "x", "`+stripeLongC+`": "y", "`+stripeLongA+`": "z"}`)))
		run = d.run(t, "stripe_intents", text, vars, env)
		run.mustLoad(t)
		api.checkRequests(t)
		run.noSecretLeft(t, stripeIntentsKey)
		d.checkKeys(t, "payment_intents", "pi_3MtwBwLkdIwHu7ix28a3tqPa", "metadata.", md1b)
		d.checkKeys(t, "payment_intents", "pi_3MtwBwLkdIwHu7ix28a3tqPa", "latest_charge.metadata.", map[string]string{stripeLongA: "z", stripeLongB: "x", stripeLongC: "y"})
		d.checkKeys(t, "payment_intents", "pi_3MtwBwLkdIwHu7ix28a3tqPb", "metadata.", md2)
		after := d.keyColumns(t, "payment_intents", "")
		for key, col := range before {
			if after[key] != col {
				t.Errorf("key %q moved from column %s to %s", key, col, after[key])
			}
		}
	})
}

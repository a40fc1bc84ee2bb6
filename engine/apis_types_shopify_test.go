package engine_test

import (
	"net/http"
	"strings"
	"testing"
)

// The Shopify fake serves testdata/apis/shopify_orders.yml's one page of
// orders: prices as decimal strings with the currency's decimals (and, from
// a hostile answer, one as a JSON number and one empty), hinted decimal.

const shopifyOrdersToken = "shpat_types0123456789abcdef0123456789"

// TestShopifyPricesExact: prices hinted decimal keep every digit and
// trailing zero ("0.10", "0.00", a total beyond a double's 17 digits), a
// price sent as a JSON number is its literal, and an empty price, which no
// decimal holds, stays text beside the column with a warning naming the
// hint.
func TestShopifyPricesExact(t *testing.T) {
	forEachDest(t, func(t *testing.T, d *typesDest) {
		api := &pagesAPI{token: shopifyOrdersToken, header: "X-Shopify-Access-Token"}
		api.want = func(r *http.Request, _ int) string {
			if r.URL.Path != "/admin/api/2024-01/orders.json" || r.URL.Query().Get("status") != "any" {
				return "wrong request: " + r.URL.String()
			}
			return ""
		}
		o := newVendorOrigin(t, api)
		api.serve(`{"orders": [
			{"id": 450789469, "name": "#1001", "currency": "USD", "total_price": "199.65", "subtotal_price": "0.10", "total_discounts": "0.00", "total_tax": "11.94",
			 "total_outstanding": "1000000000000000000.01", "total_weight": 0, "taxes_included": false, "processed_at": "2008-01-10T11:00:00-05:00"},
			{"id": 450789470, "name": "#1002", "currency": "JPY", "total_price": "1000", "subtotal_price": 19.90, "total_discounts": "0", "total_tax": "",
			 "total_outstanding": "0.1000000000000000055511151231257827", "total_weight": 500, "taxes_included": true, "processed_at": "2008-01-10T11:00:00.000+09:00"}]}`)
		run := d.run(t, "shopify_orders", vendorSpec(t, "shopify_orders"), map[string]string{"api_url": o.srv.URL}, map[string]string{"SHOPIFY_ACCESS_TOKEN": shopifyOrdersToken})
		run.mustLoad(t)
		api.checkRequests(t)
		run.noSecretLeft(t, shopifyOrdersToken)
		d.checkTypes(t, "orders", "total_", "total_discounts decimal", "total_outstanding decimal", "total_price decimal", "total_tax decimal",
			"total_tax__v_text text", "total_weight bigint")
		d.checkTypes(t, "orders", "subtotal", "subtotal_price decimal")
		d.check(t, `SELECT id, total_price, subtotal_price, total_discounts, total_tax, total_tax__v_text, total_outstanding, processed_at FROM orders ORDER BY id`,
			"450789469|199.65|0.10|0.00|11.94|NULL|1000000000000000000.01|2008-01-10T16:00:00Z",
			"450789470|1000|19.90|0|NULL||0.1000000000000000055511151231257827|2008-01-10T02:00:00Z")
		if !strings.Contains(run.logs, "hint columns.total_tax (data_type: decimal) could not convert 1 of 2 values") {
			t.Errorf("no warning for the empty total_tax in the logs:\n%s", run.logs)
		}

		// The next run: a total that no decimal holds, into the existing
		// decimal column, goes beside it too.
		api.serve(`{"orders": [{"id": 450789471, "name": "#1003", "currency": "USD", "total_price": "n/a", "subtotal_price": "5.50", "total_discounts": "0.00", "total_tax": "0.45",
			"total_outstanding": "0", "total_weight": 0, "taxes_included": false, "processed_at": "2008-01-11T11:00:00Z"}]}`)
		run = d.run(t, "shopify_orders", vendorSpec(t, "shopify_orders"), map[string]string{"api_url": o.srv.URL}, map[string]string{"SHOPIFY_ACCESS_TOKEN": shopifyOrdersToken})
		run.mustLoad(t)
		d.checkTypes(t, "orders", "total_price", "total_price decimal", "total_price__v_text text")
		d.check(t, `SELECT id, total_price, total_price__v_text, total_tax FROM orders ORDER BY id`,
			"450789469|199.65|NULL|11.94", "450789470|1000|NULL|NULL", "450789471|NULL|n/a|0.45")
	})
}

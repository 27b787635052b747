"""At-risk rules against a real failure-risk model (dfras.predict): trained and scored on the
planted data, the rule counts the open orders the model puts at or above the probability."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dfras.alerts import lifecycle, service
from dfras.alerts.rules import build_rule, save_rule

T0 = datetime(2026, 1, 5, 9, 0, 0)


def test_open_orders_predicted_at_risk(planted_store: Any) -> None:
    from dfras.predict import service as predict

    predict.train_model(planted_store)
    predict.predict_open(planted_store)
    (cut,) = planted_store.fetchall(
        "SELECT quantile_disc(probability, 0.9) FROM order_predictions"
    )[0]
    rows = planted_store.fetchall(
        """SELECT p.order_id FROM order_predictions p JOIN delivery_fact f USING (order_id)
           WHERE f.is_open AND p.probability >= ? ORDER BY p.probability DESC, p.order_id""",
        [cut],
    )
    expected = len(rows)
    assert expected > 0
    save_rule(
        planted_store,
        build_rule(name="risk", kind="at_risk", params={"probability": cut, "count": expected}),
    )
    report = service.evaluate(planted_store, now=T0)
    observed = report.rules[0].observed
    assert observed["open_orders_at_risk"] == expected and observed["predictions_current"]
    (alert,) = lifecycle.list_alerts(planted_store)
    riskiest = [r["order_id"] for r in alert.figures["riskiest"]]
    assert riskiest == [r[0] for r in rows[: len(riskiest)]]
    # one order fewer than the rule asks for: the condition clears
    save_rule(
        planted_store,
        build_rule(name="risk", kind="at_risk", params={"probability": cut, "count": expected + 1}),
    )
    report = service.evaluate(planted_store, now=T0 + timedelta(minutes=5))
    assert report.rules[0].resolved == [alert.alert_id]

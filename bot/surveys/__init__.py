"""Customer satisfaction: CSAT / NPS surveys sent after a resolve, and the scores that come back.

- `service`: scheduling in the resolve's transaction, and the `surveys` job that sends them;
- `answers`: recognising a score among incoming mentions (called by ingest);
- `parse`: reading a score out of what the customer typed;
- `rules`: who is asked, where and with what text; `repo`: queries, and storing an answer.

The `POST /webhooks/survey` route for external survey tools is bot/web/survey_webhook.py.
"""

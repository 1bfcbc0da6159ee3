"""Significant change in a client's situation prompts a re-assessment (SPEC §2).

Two ways in, neither needs the clients app to import risk:
* automatic: every saved change of a client file (simple-history's post_create_historical_record
  on clients.Client) is compared with the previous record by
  risk.services.client_financial_change_check (income stability, ±20% income, reserve thresholds);
* explicit, for life events and horizon changes the file does not hold:

    from risk.signals import significant_change
    significant_change.send(sender=Client, client=client, reason="Retiring next year", actor=user)

Both end in risk.services.reassessment_prompt."""

from __future__ import annotations

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)

significant_change = Signal()

# Issue 14: sent (after commit) when a client's profile or a product's rating changed, so the
# apps that rely on suitability re-check: kwargs client_ids, product_ids, reason. Planning
# connects its proposal re-check here (risk never imports planning).
suitability_inputs_changed = Signal()


def _on_significant_change(sender, *, client, reason: str = "", actor=None, **kwargs) -> None:
    from advisory.texts import text

    from .services import reassessment_prompt

    reassessment_prompt(
        client=client,
        reason=reason or text("audit.significant_change_in_the_client_s_situation"),
        actor=actor,
    )


def _on_client_history(sender, *, instance, history_instance, **kwargs) -> None:
    if getattr(history_instance, "history_type", "") != "~":
        return
    from .services import client_financial_change_check

    try:
        previous = history_instance.prev_record
        if previous is not None:
            client_financial_change_check(
                client=instance, previous=previous, actor=getattr(history_instance, "history_user", None)
            )
    except Exception:  # a failed prompt must never block saving the client file
        logger.exception("risk: significant-change check failed for client %s", instance.pk)


def connect() -> None:
    from simple_history.signals import post_create_historical_record

    from clients.models import Client

    significant_change.connect(_on_significant_change, dispatch_uid="risk.reassessment_prompt")
    post_create_historical_record.connect(
        _on_client_history, sender=Client.history.model, dispatch_uid="risk.client_financial_change"
    )

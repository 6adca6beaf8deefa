"""What a review's stars say about its category (issue 15): the rating is the customer's own verdict,
so it settles what a text model would only guess, and the model decides the rest.

- 1-2 stars: a complaint (an incident stays an incident: it is a complaint that others share; a review
  the built-in spam phrases catch stays spam: stars do not make an advert a customer).
- 3 stars: a complaint or a question, by the text: a question when the model reads one or the text asks
  something ("?", "can you", "please"), otherwise a complaint (three stars is a customer short of happy).
- 4-5 stars: praise, unless the text says otherwise: the model's complaint, incident or question stands
  ("5 stars but the last update logs me out" is a complaint), and so does spam.

The team's `category_rules` still come first: where one matches, the rating changes nothing.
Pure: no database, no clock.
"""

from __future__ import annotations

from socialdesk.domain.enums import Category

_GRIEVANCES = frozenset({Category.COMPLAINT, Category.INCIDENT})


def rated_category(rating: int, model: Category, *, asks: bool, spam_phrases: bool) -> Category:
    """The category of a review with `rating` stars whose text the model read as `model`; `asks`: the text
    asks something of us; `spam_phrases`: the built-in spam phrases matched."""
    if model is Category.SPAM and (spam_phrases or rating >= 4):
        return Category.SPAM
    if rating <= 2:
        return model if model in _GRIEVANCES else Category.COMPLAINT
    if rating == 3:
        if model in _GRIEVANCES or model is Category.QUESTION:
            return model
        return Category.QUESTION if asks else Category.COMPLAINT
    if model in _GRIEVANCES or model is Category.QUESTION:
        return model  # the text says otherwise than the stars
    return Category.PRAISE

"""Serializer helpers shared by the apps' APIs."""

import copy


# A mixin that builds a ModelSerializer's fields once per class, then copies them for each
# instance. ModelSerializer inspects the model and builds every field again for each serializer
# it creates, which cost more than rendering the data on a small detail response. Use it only on
# serializers whose fields do not depend on the instance, the request or the context.
# (A comment, not a docstring: the OpenAPI schema would show a docstring on every serializer.)
class PrebuiltFields:
    def get_fields(self):
        cls = type(self)
        # Looked up on the class itself, so a subclass never reuses its parent's fields.
        built = cls.__dict__.get("_prebuilt_fields")
        if built is None:
            built = super().get_fields()
            cls._prebuilt_fields = built
        return copy.deepcopy(built)

"""``field__in_array=ids``: ``__in`` for many whole numbers (ids) or texts,
sent on PostgreSQL as one array parameter (``= ANY(%s::bigint[])``,
``= ANY(%s::text[])``) instead of one placeholder per value.

A bulk of 1,000 entries reads its records and their entries by 1,000 ids: as
``IN (%s, …)`` psycopg parsed the statement's 1,000 placeholders and adapted
each id, twice a bulk; as one array written as PostgreSQL's text
(``'{3,5,8}'``) it is one parameter. Elsewhere (SQLite) it is ``__in``
itself. Registered on every field and foreign key; meant for id columns,
and for the names an import looks for (thousands a query: as ``IN`` each was
a placeholder for psycopg to find and quote, and for the server to parse).
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class _AsArray:
    lookup_name = "in_array"

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if self.lhs.output_field.get_internal_type() in TEXTS:
            # A list: psycopg writes it as an array, each text quoted. As
            # text[], not the column's varchar(n)[], which would cut a longer
            # text to a stored one.
            texts = sorted({value for value in self.rhs if value is not None})
            if not texts:
                raise EmptyResultSet
            return f"{lhs} = ANY(%s::text[])", (*lhs_params, texts)
        values = {int(value) for value in self.rhs if value is not None}
        if not values:
            raise EmptyResultSet
        array = "{" + ",".join(map(str, values)) + "}"
        db_type = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY(%s::{db_type}[])", (*lhs_params, array)


TEXTS = {"CharField", "TextField"}


@Field.register_lookup
class InArray(_AsArray, In):
    pass


@ForeignObject.register_lookup
class RelatedInArray(_AsArray, RelatedIn):
    pass

"""``field__in_array=ids``: ``__in`` for many whole numbers (ids), sent on
PostgreSQL as one array parameter (``= ANY(%s::bigint[])``) instead of one
placeholder per value.

A bulk of 1,000 entries reads its records and their entries by 1,000 ids: as
``IN (%s, …)`` psycopg parsed the statement's 1,000 placeholders and adapted
each id, twice a bulk; as one array written as PostgreSQL's text
(``'{3,5,8}'``) it is one parameter. Elsewhere (SQLite) it is ``__in``
itself. Registered on every field and foreign key; meant for id columns.
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
        values = {int(value) for value in self.rhs if value is not None}
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        array = "{" + ",".join(map(str, values)) + "}"
        db_type = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY(%s::{db_type}[])", (*lhs_params, array)


@Field.register_lookup
class InArray(_AsArray, In):
    pass


@ForeignObject.register_lookup
class RelatedInArray(_AsArray, RelatedIn):
    pass

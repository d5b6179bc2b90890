"""The bulk scan: batches of lines framed into records, records into event columns.

``frame`` groups lines into records, ``extract`` gives each record its family, rule and
fields (``grammar`` runs the grammars over columns, ``build`` the field specs), and
``records`` holds a batch's events for the rest of the pipeline.
"""

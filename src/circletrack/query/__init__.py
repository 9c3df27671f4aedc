"""Questions asked of the records, as of a day: selection and order, the filters typed on the
command line, the listings, the figures of status, the timeline, completion values."""

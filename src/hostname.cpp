// placeholder: issue 4

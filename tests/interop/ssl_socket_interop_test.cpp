// placeholder: issue 3 interop

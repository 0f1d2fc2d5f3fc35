"""The Price List service, which moto lacks: the catalog (`models`) and GetProducts,
GetAttributeValues and DescribeServices (`responses`), answered on the emulator's port and
told apart from moto's services by their X-Amz-Target."""
